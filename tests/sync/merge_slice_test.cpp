// merge_slice: how much of a peer's deltas message one store-worker run commits.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "crdt/or_set.hpp"
#include "crdt/persist/store.hpp"
#include "crdt/serialization/all.hpp"
#include "local_replica.hpp"
#include "support/temp_dir.hpp"

using crdt::ReplicaId;
using crdt::persist::Store;
using crdt::sync::DeltaItem;
using crdt::sync::merge_slice;
using crdt::sync::MergeOutcome;
using crdt::sync::MergeSlice;
using Set = crdt::ORSet<std::string>;

namespace {

// prefix + i; the `+` form trips a false -Wrestrict in g++ 12 at -O2.
std::string named(std::string prefix, int i) {
  prefix += std::to_string(i);
  return prefix;
}

// One new document per item, as a peer's catch-up brings them.
std::vector<DeltaItem> items_from(ReplicaId peer, int count) {
  std::vector<DeltaItem> out;
  for (int i = 0; i < count; ++i) {
    Set set;
    const Set delta = set.add(peer, named("e", i));
    out.push_back(DeltaItem{named("doc", i), crdt::serialization::TypeTag<Set>::name(),
                            crdt::serialization::encode(delta)});
  }
  return out;
}

// The runs a whole message takes: each run's item count.
std::vector<std::size_t> runs(Store& store, const std::vector<DeltaItem>& items,
                              const MergeSlice& slice, MergeOutcome& outcome) {
  std::vector<std::size_t> out;
  std::size_t next = 0;
  while (next < items.size()) {
    const std::size_t after = merge_slice(store, items, next, ReplicaId(7), slice, outcome);
    out.push_back(after - next);
    next = after;
  }
  return out;
}

}  // namespace

TEST_CASE("merge_slice: bounded runs while others wait, longer ones alone", "[merge_slice]") {
  crdt::test::TempDir dir{"crdt-slice"};
  crdt::persist::Options options;
  options.durability = crdt::persist::Durability::normal;
  Store store = Store::open(dir.file("a.db"), options);
  const auto items = items_from(ReplicaId(7), 100);
  MergeSlice slice;
  slice.max_items = 10;
  slice.max_bytes = SIZE_MAX;
  MergeOutcome outcome;

  SECTION("without a contention test the bounds always hold") {
    CHECK(runs(store, items, slice, outcome) == std::vector<std::size_t>(10, 10));
  }
  SECTION("alone: up to alone_factor times the bounds") {
    slice.alone_factor = 4;
    slice.contended = [] { return false; };
    CHECK(runs(store, items, slice, outcome) == std::vector<std::size_t>{40, 40, 20});
  }
  SECTION("once someone waits, a run past the bounds ends at the next item") {
    slice.alone_factor = 4;
    int asked = 0;
    slice.contended = [&asked] { return ++asked > 5; };  // asked from the 11th item on
    const auto first = runs(store, items, slice, outcome);
    REQUIRE(first.size() >= 2);
    CHECK(first[0] == 15);
    CHECK(first[1] == 10);
  }
  CHECK(outcome.changed == 100);  // every item, each counted once, whatever the runs
  for (int i : {0, 57, 99}) {
    const auto set = store.read<Set>(named("doc", i));
    REQUIRE(set.has_value());
    CHECK(set->contains(named("e", i)));
  }
}
