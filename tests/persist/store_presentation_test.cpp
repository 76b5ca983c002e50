// What a user reads is a function of the replicated states: two stores that exchanged every log
// entry list the same documents with the same types, values and conflicts, whichever order
// things arrived in and whoever removed what.
#include <algorithm>
#include <functional>
#include <string>
#include <tuple>
#include <vector>

#include <catch2/catch.hpp>

#include <crdt/causal_counter.hpp>
#include <crdt/lww_register.hpp>
#include <crdt/mv_register.hpp>
#include <crdt/or_map.hpp>
#include <crdt/or_set.hpp>
#include <crdt/persist/store.hpp>
#include <crdt/pn_counter.hpp>
#include <crdt/serialization/all.hpp>
#include <crdt/serialization/text.hpp>
#include <crdt/text.hpp>

#include "store_test_support.hpp"

namespace {

using crdt::persist::Store;
using crdt::persist::Writer;
using crdt::persist::test::TempDir;
using crdt::persist::test::test_options;
using StringSet = crdt::ORSet<std::string>;
using Cart = crdt::ORMap<std::string, crdt::CausalCounter>;

// Merges every entry of `from`'s log into `to` (duplicates are harmless: merges are joins).
void send(Store& from, Store& to) {
  for (const auto& entry : from.replication().deltas_since(0, 1 << 20)) {
    to.replication().merge_remote(entry.document, entry.type, entry.delta, entry.origin);
  }
}

void exchange(Store& a, Store& b) {
  send(a, b);
  send(b, a);
  send(a, b);
}

// What `crdt ls` and `crdt get` show of a store, one line per document.
std::vector<std::string> shown(Store& store) {
  std::vector<std::string> out;
  for (const auto& info : store.list()) {
    std::string line = info.id + " " + info.type;
    for (const auto& conflict : store.conflicts(info.id)) line += " +" + conflict.type;
    line += store.replication().read_any(info.id) != nullptr ? " readable" : " unreadable";
    out.push_back(line);
  }
  return out;
}

// The two stores show the same documents, and each one's state is the same on both.
void check_same_view(Store& a, Store& b) {
  REQUIRE(shown(a) == shown(b));
  for (const auto& info : a.replication().list_with_removed()) {
    const auto on_a = a.info(info.id);
    const auto on_b = b.info(info.id);
    CHECK(on_a.has_value() == on_b.has_value());
    const auto state_a = a.replication().read_any(info.id);
    const auto state_b = b.replication().read_any(info.id);
    REQUIRE((state_a == nullptr) == (state_b == nullptr));
    if (state_a != nullptr) CHECK(state_a->same_state(*state_b));
  }
}

struct Kind {
  const char* name;
  std::function<void(Store&, const std::string&)> write;
};

std::vector<Kind> kinds() {
  return {
      {"set",
       [](Store& s, const std::string& doc) {
         s.update<StringSet>(doc, [](auto& set, Writer& w) { return set.add(w.replica(), "x"); });
       }},
      {"cart",
       [](Store& s, const std::string& doc) {
         s.update<Cart>(doc, [](auto& cart, Writer& w) {
           return cart.update(w.replica(), "milk",
                              [&](crdt::CausalCounter& n) { return n.increment(w.replica(), 2); });
         });
       }},
      {"text",
       [](Store& s, const std::string& doc) {
         s.update<crdt::Text>(
             doc, [](auto& text, Writer& w) { return text.insert(w.replica(), 0, "hello"); });
       }},
      {"mv register",
       [](Store& s, const std::string& doc) {
         s.update<crdt::MVRegister<std::string>>(
             doc, [](auto& reg, Writer& w) { return reg.write(w.replica(), "v"); });
       }},
      {"pn counter",
       [](Store& s, const std::string& doc) {
         s.update<crdt::PNCounter>(doc,
                                   [](auto& c, Writer& w) { return c.increment(w.replica(), 3); });
       }},
      {"lww register",
       [](Store& s, const std::string& doc) {
         s.update<crdt::LWWRegister<std::string>>(
             doc, [](auto& reg, Writer& w) { return reg.set(w.replica(), w.clock(), "v"); });
       }},
  };
}

TEST_CASE("Store: a removal shows the same on the remover and on every replica that learns it",
          "[persist][remove][presentation]") {
  for (const Kind& kind : kinds()) {
    DYNAMIC_SECTION(kind.name) {
      TempDir dir;
      Store alice = Store::open(dir.file("alice.db"), test_options());
      Store bob = Store::open(dir.file("bob.db"), test_options());
      kind.write(alice, "doc");
      kind.write(alice, "kept");
      exchange(alice, bob);
      REQUIRE(bob.info("doc").has_value());

      REQUIRE(alice.remove("doc"));
      exchange(alice, bob);
      CHECK_FALSE(alice.info("doc").has_value());
      CHECK_FALSE(bob.info("doc").has_value());
      CHECK(bob.replication().read_any("doc") == nullptr);
      check_same_view(alice, bob);

      // A write after the removal shows the document again, on both.
      kind.write(bob, "doc");
      exchange(alice, bob);
      CHECK(alice.info("doc").has_value());
      check_same_view(alice, bob);
    }
  }
}

TEST_CASE("Store: an update concurrent with a removal shows the document on every replica",
          "[persist][remove][presentation]") {
  for (const Kind& kind : kinds()) {
    DYNAMIC_SECTION(kind.name) {
      TempDir dir;
      Store alice = Store::open(dir.file("alice.db"), test_options());
      Store bob = Store::open(dir.file("bob.db"), test_options());
      kind.write(alice, "doc");
      exchange(alice, bob);
      REQUIRE(alice.remove("doc"));
      kind.write(bob, "doc");  // bob has not seen the removal
      SECTION("the removal arrives first") {
        send(alice, bob);
        send(bob, alice);
      }
      SECTION("the update arrives first") {
        send(bob, alice);
        send(alice, bob);
      }
      CHECK(alice.info("doc").has_value());
      check_same_view(alice, bob);
    }
  }
}

TEST_CASE("Store: removals on both sides join, and the document stays removed",
          "[persist][remove][presentation]") {
  for (const Kind& kind : kinds()) {
    DYNAMIC_SECTION(kind.name) {
      TempDir dir;
      Store alice = Store::open(dir.file("alice.db"), test_options());
      Store bob = Store::open(dir.file("bob.db"), test_options());
      kind.write(alice, "doc");
      exchange(alice, bob);
      REQUIRE(alice.remove("doc"));
      REQUIRE(bob.remove("doc"));
      exchange(alice, bob);
      CHECK_FALSE(alice.info("doc").has_value());
      CHECK_FALSE(bob.info("doc").has_value());
      check_same_view(alice, bob);
    }
  }
}

TEST_CASE("Store: one id created with two types shows the same document on every replica",
          "[persist][remote][presentation]") {
  TempDir dir;
  Store alice = Store::open(dir.file("alice.db"), test_options());
  Store bob = Store::open(dir.file("bob.db"), test_options());
  Store carol = Store::open(dir.file("carol.db"), test_options());
  alice.update<crdt::PNCounter>("x",
                                [](auto& c, Writer& w) { return c.increment(w.replica(), 4); });
  bob.update<StringSet>("x", [](auto& s, Writer& w) { return s.add(w.replica(), "element"); });
  carol.update<crdt::MVRegister<std::string>>(
      "x", [](auto& reg, Writer& w) { return reg.write(w.replica(), "v"); });

  SECTION("two types, each side first with its own") {
    exchange(alice, bob);
    check_same_view(alice, bob);
    // The smallest type tag is the document on both; the other is kept beside it.
    CHECK(alice.info("x")->type == "orset<string>");
    CHECK(alice.read<StringSet>("x")->value() == std::vector<std::string>{"element"});
    CHECK_THROWS_AS(alice.read<crdt::PNCounter>("x"), crdt::persist::Error);
    REQUIRE(alice.conflicts("x").size() == 1);
    CHECK(alice.conflicts("x")[0].type == "pncounter");
    CHECK(bob.conflicts("x")[0].type == "pncounter");
    // The counter kept beside it holds alice's increments on both.
    const auto kept = bob.replication().conflict_state("x", "pncounter");
    REQUIRE(kept);
    CHECK(crdt::serialization::decode<crdt::PNCounter>(*kept).value().value() == 4);
    // Writes keep merging into the right states.
    alice.update<StringSet>("x", [](auto& s, Writer& w) { return s.add(w.replica(), "more"); });
    exchange(alice, bob);
    check_same_view(alice, bob);
  }
  SECTION("three types arriving in different orders") {
    send(carol, alice);
    send(bob, alice);
    send(alice, carol);
    send(bob, carol);
    send(alice, bob);
    send(carol, bob);
    check_same_view(alice, bob);
    check_same_view(bob, carol);
    CHECK(carol.info("x")->type == "mvreg<string>");
    CHECK(carol.conflicts("x").size() == 2);
  }
  SECTION("a removal of the document that arrives beside another type") {
    REQUIRE(alice.remove("x"));  // alice removes her counter before she sees bob's set
    exchange(alice, bob);
    check_same_view(alice, bob);
    CHECK(bob.info("x")->type == "orset<string>");
  }
}

}  // namespace
