#include <filesystem>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <crdt/lww_register.hpp>
#include <crdt/persist/store.hpp>
#include <crdt/pn_counter.hpp>
#include <crdt/serialization/all.hpp>

#include "store_test_support.hpp"

using crdt::persist::Durability;
using crdt::persist::Options;
using crdt::persist::Store;
using crdt::persist::Writer;
using crdt::persist::test::TempDir;
using crdt::persist::test::test_options;

namespace {

void increment(Store& store) {
  store.update<crdt::PNCounter>("count",
                                [](auto& c, Writer& w) { return c.increment(w.replica()); });
}

// Runs `body` in a child process that ends without any destructor running, as a crash would.
template <class F>
void in_crashing_child(F&& body) {
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    try {
      body();
    } catch (...) {
      ::_exit(2);
    }
    ::_exit(0);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
}

}  // namespace

TEST_CASE("Store: a new store has a random replica id and a label", "[persist][identity]") {
  TempDir dir;
  Options options = test_options();
  options.label = "alice-laptop";
  Store a = Store::open(dir.file("a.db"), options);
  Store b = Store::open(dir.file("b.db"), options);
  CHECK(a.replica().valid());
  CHECK(a.replica() != b.replica());
  CHECK(a.label() == "alice-laptop");
  CHECK(a.incarnation() == 1);
  CHECK(a.status().label == "alice-laptop");
}

TEST_CASE("Store: the replica id is stable across clean restarts", "[persist][identity]") {
  TempDir dir;
  const std::string file = dir.file("a.db");
  for (Durability durability : {Durability::full, Durability::normal}) {
    Options options = test_options();
    options.durability = durability;
    crdt::ReplicaId first;
    {
      Store store = Store::open(file, options);
      first = store.replica();
      increment(store);
    }
    Store store = Store::open(file, options);
    CHECK(store.replica() == first);
    increment(store);
  }
}

TEST_CASE("Store: a copied file takes a new replica id before writing", "[persist][identity]") {
  TempDir dir;
  const std::string file = dir.file("a.db");
  crdt::ReplicaId original;
  {
    Store store = Store::open(file, test_options());
    original = store.replica();
    increment(store);
  }
  std::filesystem::copy_file(file, dir.file("copy.db"));
  Store copy = Store::open(dir.file("copy.db"), test_options());
  CHECK(copy.replica() != original);
  CHECK(copy.incarnation() == 2);
  increment(copy);
  const auto counter = copy.read<crdt::PNCounter>("count");
  CHECK(counter->value() == 2);
  CHECK(counter->increments(original) == 1);
  CHECK(counter->increments(copy.replica()) == 1);
  // The original file keeps its id.
  Store store = Store::open(file, test_options());
  CHECK(store.replica() == original);
  CHECK(store.incarnation() == 1);
}

TEST_CASE("Store: an unclean shutdown in normal mode takes a new replica id",
          "[persist][identity]") {
  TempDir dir;
  const std::string file = dir.file("a.db");
  Options options = test_options();
  options.durability = Durability::normal;
  crdt::ReplicaId before;
  {
    Store store = Store::open(file, options);
    before = store.replica();
  }
  in_crashing_child([&] {
    auto* leaked = new Store(Store::open(file, options));  // never closed: the process just ends
    increment(*leaked);
  });
  Store store = Store::open(file, options);
  CHECK(store.replica() != before);
  CHECK(store.incarnation() == 2);
  CHECK(store.read<crdt::PNCounter>("count")->value() == 1);

  SECTION("a store still open elsewhere is not mistaken for a crash") {
    Store second = Store::open(file, options);
    CHECK(second.replica() == store.replica());
  }
}

TEST_CASE("Store: an unclean shutdown in full mode keeps the replica id", "[persist][identity]") {
  TempDir dir;
  const std::string file = dir.file("a.db");
  crdt::ReplicaId before;
  {
    Store store = Store::open(file, test_options());
    before = store.replica();
  }
  in_crashing_child([&] {
    auto* leaked = new Store(Store::open(file, test_options()));
    increment(*leaked);
  });
  Store store = Store::open(file, test_options());
  CHECK(store.replica() == before);
  CHECK(store.read<crdt::PNCounter>("count")->value() == 1);
}

TEST_CASE("Store: LWW stamps never go back in time across restarts", "[persist][identity][clock]") {
  TempDir dir;
  const std::string file = dir.file("a.db");
  Options ahead = test_options();
  ahead.time_source = [] { return std::uint64_t{5'000'000}; };
  crdt::HlcStamp first;
  {
    Store store = Store::open(file, ahead);
    const auto delta = store.update<crdt::LWWRegister<std::string>>(
        "theme", [](auto& r, Writer& w) { return r.set(w.replica(), w.clock(), "dark"); });
    first = delta.stamp();
    CHECK(first.wall_ms == 5'000'000);
  }
  Options behind = test_options();
  behind.time_source = [] { return std::uint64_t{1'000}; };  // the clock was set back
  Store store = Store::open(file, behind);
  const auto delta = store.update<crdt::LWWRegister<std::string>>(
      "font", [](auto& r, Writer& w) { return r.set(w.replica(), w.clock(), "serif"); });
  CHECK(delta.stamp() > first);
}
