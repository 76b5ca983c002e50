// LocalReplica's digest index refreshed in the background (DigestRefresh): it ends equal to an
// index built at once on the loop, whatever changes while a refresh is away.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "crdt/or_set.hpp"
#include "crdt/persist/shared_store.hpp"
#include "crdt/persist/store.hpp"
#include "crdt/pn_counter.hpp"
#include "crdt/serialization/all.hpp"
#include "local_replica.hpp"
#include "support/temp_dir.hpp"

using crdt::persist::SharedStore;
using crdt::persist::Store;
using crdt::sync::DigestRefresh;
using crdt::sync::DigestSummary;
using crdt::sync::LocalReplica;
using crdt::sync::PrefixFilter;
using Set = crdt::ORSet<std::string>;

namespace {

void add(SharedStore& store, const std::string& doc, const std::string& element) {
  store.update<Set>(doc,
                    [&](Set& s, crdt::persist::Writer& w) { return s.add(w.replica(), element); });
}

DigestSummary root(LocalReplica& replica) {
  return replica.digests().summary(0, 0, PrefixFilter{});
}

// The index a replica opened now builds on the loop: the reference.
DigestSummary fresh_root(SharedStore& store) {
  LocalReplica reference(store);
  return root(reference);
}

// Runs a taken refresh as the decoder thread would, and hands the result back.
void compute_and_apply(LocalReplica& replica, const DigestRefresh& refresh) {
  replica.apply_digest_refresh(refresh, refresh.compute(replica.background_reader()->get()));
}

}  // namespace

TEST_CASE("digest refresh: built and kept current in the background", "[digest_refresh]") {
  crdt::test::TempDir dir{"crdt-digests"};
  crdt::persist::Options options;
  options.durability = crdt::persist::Durability::normal;
  SharedStore store(Store::open(dir.file("a.db"), options));
  add(store, "a", "1");
  add(store, "b", "1");
  store.update<crdt::PNCounter>("c", [](crdt::PNCounter& c, crdt::persist::Writer& w) {
    return c.increment(w.replica(), 2);
  });
  LocalReplica replica(store);

  auto first = replica.take_digest_refresh();
  REQUIRE(first);
  CHECK(first->full);
  CHECK_FALSE(replica.take_digest_refresh());  // one at a time
  compute_and_apply(replica, *first);
  CHECK_FALSE(replica.take_digest_refresh());  // nothing stale
  CHECK(root(replica) == fresh_root(store));
  CHECK(root(replica).documents == 3);

  SECTION("changes are refreshed in the background") {
    add(store, "a", "2");
    store.with_store([](Store& s) { s.remove("b"); });
    add(store, "d", "1");
    replica.poll();
    auto refresh = replica.take_digest_refresh();
    REQUIRE(refresh);
    CHECK_FALSE(refresh->full);
    CHECK(refresh->ids == std::vector<std::string>{"a", "b", "d"});
    compute_and_apply(replica, *refresh);
    CHECK_FALSE(replica.take_digest_refresh());
    CHECK(root(replica) == fresh_root(store));
  }
  SECTION("a document that changes while its refresh is away stays out of date until refreshed") {
    add(store, "a", "2");
    replica.poll();
    auto refresh = replica.take_digest_refresh();
    REQUIRE(refresh);
    const auto computed = refresh->compute(replica.background_reader()->get());
    add(store, "a", "3");  // after the refresh read it
    replica.poll();
    replica.apply_digest_refresh(*refresh, computed);
    auto again = replica.take_digest_refresh();
    REQUIRE(again);
    CHECK(again->ids == std::vector<std::string>{"a"});
    compute_and_apply(replica, *again);
    CHECK(root(replica) == fresh_root(store));
  }
  SECTION("a digest needed meanwhile is refreshed on the loop; the late result is dropped") {
    add(store, "a", "2");
    replica.poll();
    auto refresh = replica.take_digest_refresh();
    REQUIRE(refresh);
    const auto computed = refresh->compute(replica.background_reader()->get());  // a at "2"
    add(store, "a", "3");
    replica.poll();
    CHECK(root(replica) == fresh_root(store));         // refreshed here: a at "3", nothing stale
    replica.apply_digest_refresh(*refresh, computed);  // obsolete: a's older hash must not return
    CHECK(root(replica) == fresh_root(store));
  }
  SECTION("a refresh that failed leaves its documents out of date") {
    add(store, "c2", "1");
    replica.poll();
    auto refresh = replica.take_digest_refresh();
    REQUIRE(refresh);
    replica.abandon_digest_refresh(*refresh);
    auto retry = replica.take_digest_refresh();
    REQUIRE(retry);
    CHECK(retry->ids == std::vector<std::string>{"c2"});
    compute_and_apply(replica, *retry);
    CHECK(root(replica) == fresh_root(store));
  }
}
