#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <crdt/bounded_counter.hpp>
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

using crdt::persist::Error;
using crdt::persist::ErrorCode;
using crdt::persist::Store;
using crdt::persist::Writer;
using crdt::persist::test::TempDir;
using crdt::persist::test::test_options;
using Cart = crdt::ORMap<std::string, crdt::CausalCounter>;

namespace {

// Writes one document of every registered type through update().
void write_every_type(Store& store) {
  store.update<crdt::ORSet<std::string>>("set", [](auto& set, Writer& w) {
    set.add(w.replica(), "milk");
    return set.add(w.replica(), "eggs");
  });
  store.update<crdt::MVRegister<std::string>>(
      "mv", [](auto& reg, Writer& w) { return reg.write(w.replica(), "draft"); });
  store.update<crdt::LWWRegister<std::string>>(
      "lww", [](auto& reg, Writer& w) { return reg.set(w.replica(), w.clock(), "dark"); });
  store.update<crdt::CausalCounter>(
      "cc", [](auto& counter, Writer& w) { return counter.increment(w.replica(), 5); });
  store.update<crdt::PNCounter>(
      "pn", [](auto& counter, Writer& w) { return counter.decrement(w.replica(), 3); });
  store.update<crdt::BoundedCounter>(
      "bc", [](auto& counter, Writer& w) { return counter.increment(w.replica(), 10); });
  store.update<Cart>("cart", [](Cart& cart, Writer& w) {
    return cart.update(w.replica(), "apples",
                       [&](crdt::CausalCounter& c) { return c.increment(w.replica(), 3); });
  });
  store.update<crdt::Text>(
      "text", [](crdt::Text& text, Writer& w) { return text.insert(w.replica(), 0, "héllo"); });
}

void check_every_type(Store& store) {
  CHECK(store.read<crdt::ORSet<std::string>>("set")->value() ==
        std::vector<std::string>{"eggs", "milk"});
  CHECK(store.read<crdt::MVRegister<std::string>>("mv")->value() ==
        std::vector<std::string>{"draft"});
  CHECK(store.read<crdt::LWWRegister<std::string>>("lww")->value() == "dark");
  CHECK(store.read<crdt::CausalCounter>("cc")->value() == 5);
  CHECK(store.read<crdt::PNCounter>("pn")->value() == -3);
  CHECK(store.read<crdt::BoundedCounter>("bc")->value() == 10);
  CHECK(store.read<Cart>("cart")->value() == std::map<std::string, std::int64_t>{{"apples", 3}});
  CHECK(store.read<crdt::Text>("text")->str() == "héllo");
}

}  // namespace

TEST_CASE("Store: every registered type survives update, read and reopen", "[persist][store]") {
  TempDir dir;
  const std::string file = dir.file("app.db");
  crdt::ReplicaId replica;
  {
    Store store = Store::open(file, test_options());
    replica = store.replica();
    write_every_type(store);
    check_every_type(store);
    CHECK(store.list().size() == 8);
  }
  Store store = Store::open(file, test_options());
  CHECK(store.replica() == replica);
  check_every_type(store);
  SECTION("the registry knows every tag that was written") {
    for (const auto& info : store.list()) {
      INFO(info.type);
      const auto& tags = store.registered_types();
      CHECK(std::find(tags.begin(), tags.end(), info.type) != tags.end());
    }
  }
  SECTION("a missing document reads as nullopt") {
    CHECK_FALSE(store.read<crdt::PNCounter>("nope").has_value());
    CHECK_FALSE(store.info("nope").has_value());
  }
}

TEST_CASE("Store: the update returns the mutator's delta", "[persist][store]") {
  TempDir dir;
  Store store = Store::open(dir.file("a.db"), test_options());
  const auto delta = store.update<crdt::ORSet<std::string>>(
      "cart:alice", [](auto& set, Writer& w) { return set.add(w.replica(), "milk"); });
  CHECK(delta.value() == std::vector<std::string>{"milk"});
  CHECK(delta.context().count() == 1);
  const auto info = store.info("cart:alice");
  REQUIRE(info.has_value());
  CHECK(info->type == "orset<string>");
  CHECK(info->version == 1);
}

TEST_CASE("Store: a refused or empty delta writes nothing", "[persist][store]") {
  TempDir dir;
  Store store = Store::open(dir.file("a.db"), test_options());
  const auto refused = store.update<crdt::BoundedCounter>(
      "stock", [](auto& counter, Writer& w) { return counter.decrement(w.replica(), 1); });
  CHECK_FALSE(refused.has_value());
  CHECK_FALSE(store.info("stock").has_value());
  CHECK(store.status().log_entries == 0);

  store.update<crdt::BoundedCounter>(
      "stock", [](auto& counter, Writer& w) { return counter.increment(w.replica(), 2); });
  const auto spent = store.update<crdt::BoundedCounter>(
      "stock", [](auto& counter, Writer& w) { return counter.decrement(w.replica(), 5); });
  CHECK_FALSE(spent.has_value());
  CHECK(store.read<crdt::BoundedCounter>("stock")->value() == 2);
  CHECK(store.info("stock")->version == 1);

  const auto bottom = store.update<crdt::ORSet<std::string>>(
      "tags", [](auto& set, Writer& w) { return set.remove(w.replica(), "absent"); });
  CHECK(bottom.empty());
  CHECK_FALSE(store.info("tags").has_value());
}

TEST_CASE("Store: a mutator that throws leaves document and cache unchanged", "[persist][store]") {
  TempDir dir;
  Store store = Store::open(dir.file("a.db"), test_options());
  store.update<crdt::ORSet<std::string>>(
      "s", [](auto& set, Writer& w) { return set.add(w.replica(), "a"); });
  CHECK_THROWS_AS(store.update<crdt::ORSet<std::string>>("s",
                                                         [](auto& set, Writer& w) {
                                                           set.add(w.replica(), "half");
                                                           throw std::runtime_error("app bug");
                                                           return set;
                                                         }),
                  std::runtime_error);
  CHECK(store.read<crdt::ORSet<std::string>>("s")->value() == std::vector<std::string>{"a"});
  CHECK(store.info("s")->version == 1);
}

TEST_CASE("Store: a document used as another type is an error", "[persist][store][errors]") {
  TempDir dir;
  Store store = Store::open(dir.file("a.db"), test_options());
  store.update<crdt::ORSet<std::string>>(
      "cart:alice", [](auto& set, Writer& w) { return set.add(w.replica(), "milk"); });
  try {
    store.read<crdt::PNCounter>("cart:alice");
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::wrong_type);
    CHECK(e.detail().find("orset<string>") != std::string::npos);
  }
  try {
    store.update<crdt::PNCounter>(
        "cart:alice", [](auto& counter, Writer& w) { return counter.increment(w.replica()); });
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::wrong_type);
  }
  CHECK(store.read<crdt::ORSet<std::string>>("cart:alice")->value() ==
        std::vector<std::string>{"milk"});
}

TEST_CASE("Store: a batch is one transaction", "[persist][store][batch]") {
  TempDir dir;
  const std::string file = dir.file("a.db");
  Store store = Store::open(file, test_options());
  store.batch([](crdt::persist::Batch& batch) {
    for (int i = 0; i < 100; ++i) {
      batch.update<crdt::PNCounter>("count",
                                    [](auto& c, Writer& w) { return c.increment(w.replica()); });
      batch.update<crdt::ORSet<std::string>>(
          "seen", [i](auto& set, Writer& w) { return set.add(w.replica(), std::to_string(i)); });
    }
  });
  CHECK(store.read<crdt::PNCounter>("count")->value() == 100);
  CHECK(store.read<crdt::ORSet<std::string>>("seen")->size() == 100);
  CHECK(store.status().log_entries == 200);

  SECTION("a batch that throws is rolled back whole") {
    CHECK_THROWS_AS(store.batch([](crdt::persist::Batch& batch) {
      batch.update<crdt::PNCounter>(
          "count", [](auto& c, Writer& w) { return c.increment(w.replica(), 50); });
      throw std::runtime_error("abandon");
    }),
                    std::runtime_error);
    CHECK(store.read<crdt::PNCounter>("count")->value() == 100);
    Store other = Store::open(file, test_options());
    CHECK(other.read<crdt::PNCounter>("count")->value() == 100);
  }
}

TEST_CASE("Store: list filters by prefix and orders by id", "[persist][store]") {
  TempDir dir;
  Store store = Store::open(dir.file("a.db"), test_options());
  for (const char* id : {"cart:bob", "cart:alice", "note:1", "cart", "carts"}) {
    store.update<crdt::PNCounter>(id, [](auto& c, Writer& w) { return c.increment(w.replica()); });
  }
  std::vector<std::string> ids;
  for (const auto& info : store.list("cart:")) ids.push_back(info.id);
  CHECK(ids == std::vector<std::string>{"cart:alice", "cart:bob"});
  CHECK(store.list().size() == 5);
  CHECK(store.list("zzz").empty());
}
