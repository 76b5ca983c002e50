#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <crdt/or_set.hpp>
#include <crdt/persist/store.hpp>
#include <crdt/pn_counter.hpp>
#include <crdt/serialization/all.hpp>

#include "store_test_support.hpp"

using crdt::persist::Options;
using crdt::persist::Store;
using crdt::persist::Writer;
using crdt::persist::test::TempDir;
using crdt::persist::test::test_options;
using StringSet = crdt::ORSet<std::string>;

namespace {

void add(Store& store, const std::string& doc, const std::string& element) {
  store.update<StringSet>(doc, [&](auto& set, Writer& w) { return set.add(w.replica(), element); });
}

}  // namespace

TEST_CASE("Store: a stale cache is reloaded, never written back", "[persist][version]") {
  TempDir dir;
  const std::string file = dir.file("a.db");
  Store first = Store::open(file, test_options());
  Store second = Store::open(file, test_options());
  add(first, "s", "x");
  CHECK(first.read<StringSet>("s")->size() == 1);  // cached in `first`
  add(second, "s", "y");
  add(first, "s", "z");
  const std::vector<std::string> all{"x", "y", "z"};
  CHECK(first.read<StringSet>("s")->value() == all);
  CHECK(second.read<StringSet>("s")->value() == all);
  CHECK(first.info("s")->version == 3);
  Store third = Store::open(file, test_options());
  CHECK(third.read<StringSet>("s")->value() == all);

  SECTION("counters too: every increment counts") {
    for (int i = 0; i < 10; ++i) {
      Store& store = i % 2 == 0 ? first : second;
      store.update<crdt::PNCounter>("n",
                                    [](auto& c, Writer& w) { return c.increment(w.replica()); });
    }
    CHECK(first.read<crdt::PNCounter>("n")->value() == 10);
  }
}

TEST_CASE("Store: pending deltas fold into the snapshot past the thresholds", "[persist][fold]") {
  TempDir dir;
  const std::string file = dir.file("a.db");
  Options options = test_options();
  SECTION("by count") {
    options.fold_max_deltas = 4;
    Store store = Store::open(file, options);
    add(store, "s", "e0");  // the new document: written whole
    std::vector<std::uint64_t> pending;
    for (int i = 1; i <= 10; ++i) {
      add(store, "s", std::string(1, static_cast<char>('a' + i)));
      pending.push_back(store.status().pending_deltas);
    }
    CHECK(pending == std::vector<std::uint64_t>{1, 2, 3, 4, 0, 1, 2, 3, 4, 0});
  }
  SECTION("by bytes") {
    options.fold_max_bytes = 1000;
    Store store = Store::open(file, options);
    add(store, "s", "first");
    add(store, "s", std::string(600, 'a'));
    CHECK(store.status().pending_deltas == 1);
    add(store, "s", std::string(600, 'b'));
    CHECK(store.status().pending_deltas == 0);
  }
  // Whatever was folded or pending, a fresh reader sees the same state.
  Store reader = Store::open(file, test_options());
  Store writer = Store::open(file, options);
  CHECK(reader.read<StringSet>("s") == writer.read<StringSet>("s"));
  CHECK(reader.read<StringSet>("s")->size() >= 3);
}

TEST_CASE("Store: a small cache still reads every document right", "[persist][cache]") {
  TempDir dir;
  Options options = test_options();
  options.cache_documents = 2;
  Store store = Store::open(dir.file("a.db"), options);
  for (int round = 0; round < 3; ++round) {
    for (char doc = 'a'; doc <= 'e'; ++doc) add(store, std::string(1, doc), std::to_string(round));
  }
  for (char doc = 'a'; doc <= 'e'; ++doc) {
    CHECK(store.read<StringSet>(std::string(1, doc))->value() ==
          std::vector<std::string>{"0", "1", "2"});
  }
}
