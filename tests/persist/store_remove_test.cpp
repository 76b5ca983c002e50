#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <crdt/lww_register.hpp>
#include <crdt/or_set.hpp>
#include <crdt/persist/store.hpp>
#include <crdt/pn_counter.hpp>
#include <crdt/serialization/all.hpp>
#include <crdt/serialization/text.hpp>
#include <crdt/text.hpp>

#include "store_test_support.hpp"

using crdt::persist::Store;
using crdt::persist::Writer;
using crdt::persist::test::TempDir;
using crdt::persist::test::test_options;
using StringSet = crdt::ORSet<std::string>;

TEST_CASE("Store: remove keeps unseen updates and never brings old content back",
          "[persist][remove]") {
  TempDir dir;
  const std::string file = dir.file("alice.db");
  Store alice = Store::open(file, test_options());
  Store bob = Store::open(dir.file("bob.db"), test_options());
  alice.update<StringSet>("tags", [](auto& s, Writer& w) { return s.add(w.replica(), "old"); });
  const auto old_entry = alice.replication().deltas_since(0).at(0);
  bob.replication().merge_remote("tags", old_entry.type, old_entry.delta, alice.replica());
  bob.update<StringSet>("tags", [](auto& s, Writer& w) { return s.add(w.replica(), "new"); });

  CHECK(alice.remove("tags"));
  CHECK_FALSE(alice.remove("tags"));
  CHECK_FALSE(alice.read<StringSet>("tags").has_value());
  CHECK(alice.list().empty());
  CHECK(alice.status().removed_documents == 1);

  // The old add again, as a duplicate or from bob's full state: it stays removed.
  CHECK_FALSE(alice.replication()
                  .merge_remote("tags", old_entry.type, old_entry.delta, bob.replica())
                  .changed);
  CHECK_FALSE(alice.read<StringSet>("tags").has_value());

  // Bob's add, which the removal had not seen, survives; the old element does not come back.
  const auto bob_state = bob.replication().encoded("tags");
  CHECK(
      alice.replication().merge_remote("tags", "orset<string>", *bob_state, bob.replica()).changed);
  CHECK(alice.read<StringSet>("tags")->value() == std::vector<std::string>{"new"});
  CHECK(alice.list().size() == 1);

  // The removal is a delta in the log: bob learns it and keeps only his unseen add.
  for (const auto& entry : alice.replication().deltas_since(1)) {
    if (entry.origin == alice.replica()) {
      bob.replication().merge_remote(entry.document, entry.type, entry.delta, entry.origin);
    }
  }
  CHECK(bob.read<StringSet>("tags")->value() == std::vector<std::string>{"new"});

  SECTION("and after a reopen") {
    alice.close();
    Store again = Store::open(file, test_options());
    CHECK(again.read<StringSet>("tags")->value() == std::vector<std::string>{"new"});
  }
}

TEST_CASE("Store: a removed document continues its events when written again",
          "[persist][remove]") {
  TempDir dir;
  Store store = Store::open(dir.file("a.db"), test_options());
  store.update<StringSet>("s", [](auto& s, Writer& w) { return s.add(w.replica(), "a"); });
  CHECK(store.remove("s"));
  const auto delta =
      store.update<StringSet>("s", [](auto& s, Writer& w) { return s.add(w.replica(), "b"); });
  // Dot 1 was the first add, 2 the removal: the new add must not reuse either.
  CHECK(delta.context().max(store.replica()) == 3);
  CHECK(store.read<StringSet>("s")->value() == std::vector<std::string>{"b"});
}

TEST_CASE("Store: a removed counter keeps its observed state as a baseline", "[persist][remove]") {
  TempDir dir;
  Store store = Store::open(dir.file("a.db"), test_options());
  store.update<crdt::PNCounter>("likes",
                                [](auto& c, Writer& w) { return c.increment(w.replica(), 5); });
  CHECK(store.remove("likes"));
  CHECK_FALSE(store.read<crdt::PNCounter>("likes").has_value());
  const auto baseline = store.removed_baseline<crdt::PNCounter>("likes");
  REQUIRE(baseline.has_value());
  CHECK(baseline->value() == 5);
  store.update<crdt::PNCounter>("likes",
                                [](auto& c, Writer& w) { return c.increment(w.replica(), 2); });
  const auto now = store.read<crdt::PNCounter>("likes");
  CHECK(now->value() - baseline->value() == 2);
  CHECK_FALSE(store.removed_baseline<StringSet>("nothing").has_value());
}

TEST_CASE("Store: removing text erases what was observed", "[persist][remove]") {
  TempDir dir;
  Store store = Store::open(dir.file("a.db"), test_options());
  store.update<crdt::Text>("t", [](auto& t, Writer& w) { return t.insert(w.replica(), 0, "abc"); });
  CHECK(store.remove("t"));
  CHECK_FALSE(store.read<crdt::Text>("t").has_value());
  store.update<crdt::Text>("t", [](auto& t, Writer& w) { return t.insert(w.replica(), 0, "x"); });
  CHECK(store.read<crdt::Text>("t")->str() == "x");
}
