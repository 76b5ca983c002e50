// Crash and concurrency tests with real processes: a child killed with SIGKILL at random moments
// loses nothing it acknowledged and leaves nothing half-written; two processes incrementing one
// document lose no increment.
#include <chrono>
#include <cstdint>
#include <random>
#include <set>
#include <signal.h>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
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
using NumberSet = crdt::ORSet<std::uint64_t>;

namespace {

Options crash_options() {
  Options options = test_options();
  options.fold_max_deltas = 8;  // folds happen under the kills too
  return options;
}

// The child: numbered updates from `next`, each one batch of two documents (a set of numbers and
// a counter that must always equal its size); every acknowledged number goes to `out`.
[[noreturn]] void run_writer(const std::string& file, std::uint64_t next, int out) {
  try {
    Store store = Store::open(file, crash_options());
    for (;; ++next) {
      store.batch([&](crdt::persist::Batch& batch) {
        batch.update<NumberSet>("numbers",
                                [&](auto& set, Writer& w) { return set.add(w.replica(), next); });
        batch.update<crdt::PNCounter>("count",
                                      [](auto& c, Writer& w) { return c.increment(w.replica()); });
      });
      if (::write(out, &next, sizeof next) != static_cast<ssize_t>(sizeof next)) ::_exit(3);
    }
  } catch (...) {
    ::_exit(2);
  }
}

}  // namespace

TEST_CASE("Store: every acknowledged update survives kill -9", "[persist][crash]") {
  TempDir dir;
  const std::string file = dir.file("crash.db");
  std::mt19937 random(20240601);
  std::set<std::uint64_t> acknowledged;
  std::uint64_t next = 1;
  int kills = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (kills < 60 && (kills < 50 || std::chrono::steady_clock::now() < deadline)) {
    int pipe_ends[2];
    REQUIRE(::pipe(pipe_ends) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(pipe_ends[0]);
      run_writer(file, next, pipe_ends[1]);
    }
    ::close(pipe_ends[1]);
    // Kill at a random moment after the child's first acknowledged update, so that every round
    // tests something however slow the build (sanitizers make opening the store take longer
    // than the whole random window).
    std::uint64_t first = 0;
    if (::read(pipe_ends[0], &first, sizeof first) == static_cast<ssize_t>(sizeof first)) {
      acknowledged.insert(first);
    }
    std::this_thread::sleep_for(
        std::chrono::microseconds(std::uniform_int_distribution<int>(0, 20'000)(random)));
    ::kill(pid, SIGKILL);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    CHECK((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL));
    ++kills;
    std::uint64_t number = 0;
    while (::read(pipe_ends[0], &number, sizeof number) == static_cast<ssize_t>(sizeof number)) {
      acknowledged.insert(number);
    }
    ::close(pipe_ends[0]);

    Store store = Store::open(file, crash_options());
    const auto numbers = store.read<NumberSet>("numbers");
    const auto count = store.read<crdt::PNCounter>("count");
    std::set<std::uint64_t> present;
    if (numbers) {
      for (std::uint64_t n : numbers->value()) present.insert(n);
    }
    for (std::uint64_t n : acknowledged) {
      INFO("kill " << kills << ", number " << n);
      REQUIRE(present.count(n) == 1);
    }
    // Nothing half-written: both documents of every batch, or neither.
    CHECK((count ? count->value() : 0) == static_cast<std::int64_t>(present.size()));
    REQUIRE(store.integrity_check() == "ok");
    if (!present.empty()) next = *present.rbegin() + 1;
  }
  CHECK(kills >= 50);
  INFO("acknowledged " << acknowledged.size() << " updates");
  CHECK(acknowledged.size() > 0);
}

TEST_CASE("Store: two processes incrementing one document lose nothing", "[persist][crash]") {
  TempDir dir;
  const std::string file = dir.file("shared.db");
  { Store store = Store::open(file, test_options()); }
  std::vector<pid_t> children;
  for (int child = 0; child < 2; ++child) {
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      try {
        Store store = Store::open(file, test_options());
        for (int i = 0; i < 500; ++i) {
          store.update<crdt::PNCounter>(
              "hits", [](auto& c, Writer& w) { return c.increment(w.replica()); });
        }
      } catch (...) {
        ::_exit(2);
      }
      ::_exit(0);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  Store store = Store::open(file, test_options());
  CHECK(store.read<crdt::PNCounter>("hits")->value() == 1000);
  CHECK(store.status().log_entries == 1000);
  CHECK(store.integrity_check() == "ok");
}
