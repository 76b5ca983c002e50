#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <crdt/or_map.hpp>
#include <crdt/or_set.hpp>
#include <crdt/persist/store.hpp>
#include <crdt/pn_counter.hpp>
#include <crdt/serialization/all.hpp>

#include "store_test_support.hpp"

using crdt::persist::Error;
using crdt::persist::ErrorCode;
using crdt::persist::Store;
using crdt::persist::Writer;
using crdt::persist::test::TempDir;
using crdt::persist::test::test_options;
using StringSet = crdt::ORSet<std::string>;

namespace {

// Ships every log entry of `from` after `after` to `to`; returns the last seq shipped.
std::uint64_t ship(Store& from, Store& to, std::uint64_t after = 0) {
  for (const auto& entry : from.replication().deltas_since(after)) {
    to.replication().merge_remote(entry.document, entry.type, entry.delta, entry.origin);
    after = entry.seq;
  }
  return after;
}

}  // namespace

TEST_CASE("Store: merge_remote logs what changed the state, with its origin", "[persist][remote]") {
  TempDir dir;
  Store alice = Store::open(dir.file("alice.db"), test_options());
  Store bob = Store::open(dir.file("bob.db"), test_options());
  alice.update<StringSet>("tags", [](auto& s, Writer& w) { return s.add(w.replica(), "red"); });
  const auto entry = alice.replication().deltas_since(0).at(0);

  const auto first =
      bob.replication().merge_remote("tags", entry.type, entry.delta, alice.replica());
  CHECK(first.changed);
  CHECK_FALSE(first.conflict);
  CHECK(first.seq == 1);
  CHECK(bob.read<StringSet>("tags")->value() == std::vector<std::string>{"red"});
  const auto logged = bob.replication().deltas_since(0);
  REQUIRE(logged.size() == 1);
  CHECK(logged[0].origin == alice.replica());

  const auto again =
      bob.replication().merge_remote("tags", entry.type, entry.delta, alice.replica());
  CHECK_FALSE(again.changed);
  CHECK(again.seq == 0);
  CHECK(bob.replication().deltas_since(0).size() == 1);
}

TEST_CASE("Store: context and delta_since bring a peer up to date", "[persist][remote]") {
  TempDir dir;
  Store alice = Store::open(dir.file("alice.db"), test_options());
  Store bob = Store::open(dir.file("bob.db"), test_options());
  for (const char* item : {"a", "b", "c"}) {
    alice.update<StringSet>("s", [&](auto& s, Writer& w) { return s.add(w.replica(), item); });
  }
  bob.update<StringSet>("s", [](auto& s, Writer& w) { return s.add(w.replica(), "z"); });
  const auto missing = alice.replication().delta_since("s", bob.context("s"));
  REQUIRE(missing.has_value());
  CHECK(bob.replication().merge_remote("s", "orset<string>", *missing, alice.replica()).changed);
  const auto back = bob.replication().delta_since("s", alice.context("s"));
  CHECK(alice.replication().merge_remote("s", "orset<string>", *back, bob.replica()).changed);
  CHECK(alice.read<StringSet>("s") == bob.read<StringSet>("s"));
  CHECK(alice.read<StringSet>("s")->size() == 4);
  CHECK(alice.context("s") == bob.context("s"));
  CHECK(bob.context("nothing").empty());
  CHECK_FALSE(bob.replication().delta_since("nothing", {}).has_value());
  const auto caught_up = alice.replication().delta_since("s", bob.context("s"));
  CHECK(crdt::serialization::decode<StringSet>(*caught_up).value().empty());
}

TEST_CASE("Store: a document id of another type is kept as a conflict", "[persist][remote]") {
  TempDir dir;
  Store alice = Store::open(dir.file("alice.db"), test_options());
  Store bob = Store::open(dir.file("bob.db"), test_options());
  alice.update<StringSet>("doc", [](auto& s, Writer& w) { return s.add(w.replica(), "x"); });
  bob.update<crdt::PNCounter>("doc",
                              [](auto& c, Writer& w) { return c.increment(w.replica(), 4); });
  const auto entry = bob.replication().deltas_since(0).at(0);
  const auto result =
      alice.replication().merge_remote("doc", entry.type, entry.delta, bob.replica());
  CHECK(result.conflict);
  CHECK(result.changed);
  CHECK(alice.read<StringSet>("doc")->value() == std::vector<std::string>{"x"});
  const auto conflicts = alice.conflicts();
  REQUIRE(conflicts.size() == 1);
  CHECK(conflicts[0].id == "doc");
  CHECK(conflicts[0].type == "pncounter");
  const auto kept = alice.replication().conflict_state("doc", "pncounter");
  REQUIRE(kept.has_value());
  CHECK(crdt::serialization::decode<crdt::PNCounter>(*kept).value().value() == 4);
  CHECK(alice.status().conflicts == 1);
  // The conflict is relayed like any change, and a duplicate changes nothing.
  CHECK(alice.replication().deltas_since(result.seq - 1).at(0).type == "pncounter");
  CHECK_FALSE(
      alice.replication().merge_remote("doc", entry.type, entry.delta, bob.replica()).changed);
}

TEST_CASE("Store: merge_remote refuses unknown types and malformed bytes", "[persist][remote]") {
  TempDir dir;
  Store store = Store::open(dir.file("a.db"), test_options());
  try {
    store.replication().merge_remote("d", "frobnicator", std::vector<std::uint8_t>{1},
                                     crdt::ReplicaId(5));
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::unknown_type);
  }
  const auto frame = crdt::serialization::encode(crdt::PNCounter{}.increment(crdt::ReplicaId(5)));
  for (std::vector<std::uint8_t> bad :
       {std::vector<std::uint8_t>{}, std::vector<std::uint8_t>{1, 2, 3},
        std::vector<std::uint8_t>(frame.begin(), frame.end() - 1)}) {
    try {
      store.replication().merge_remote("d", "pncounter", bad, crdt::ReplicaId(5));
      FAIL("no error");
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::malformed_input);
    }
  }
  // A frame of another type under this tag is refused too.
  const auto set_frame = crdt::serialization::encode(StringSet{}.add(crdt::ReplicaId(5), "a"));
  CHECK_THROWS_AS(store.replication().merge_remote("d", "pncounter", set_frame, crdt::ReplicaId(5)),
                  Error);
  CHECK_FALSE(store.info("d").has_value());
  CHECK(store.replication().merge_remote("d", "pncounter", frame, crdt::ReplicaId(5)).changed);
  CHECK(store.read<crdt::PNCounter>("d")->value() == 1);
}

TEST_CASE("Store: two replicas converge through their logs", "[persist][remote]") {
  TempDir dir;
  Store alice = Store::open(dir.file("alice.db"), test_options());
  Store bob = Store::open(dir.file("bob.db"), test_options());
  using Cart = crdt::ORMap<std::string, crdt::CausalCounter>;
  auto add = [](Store& store, const std::string& item, std::int64_t n) {
    store.update<Cart>("cart", [&](Cart& cart, Writer& w) {
      return cart.update(w.replica(), item,
                         [&](crdt::CausalCounter& c) { return c.increment(w.replica(), n); });
    });
  };
  add(alice, "apples", 2);
  add(bob, "pears", 1);
  std::uint64_t alice_sent = ship(alice, bob);
  ship(bob, alice);
  add(alice, "apples", 1);
  alice_sent = ship(alice, bob, alice_sent);
  const auto value = std::map<std::string, std::int64_t>{{"apples", 3}, {"pears", 1}};
  CHECK(alice.read<Cart>("cart")->value() == value);
  CHECK(bob.read<Cart>("cart")->value() == value);
}
