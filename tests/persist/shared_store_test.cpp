// SharedStore: concurrent callers lose nothing, a failing mutator fails only its caller, and
// contention gathers updates into fewer transactions.
#include <atomic>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include <crdt/or_set.hpp>
#include <crdt/persist/shared_store.hpp>
#include <crdt/pn_counter.hpp>
#include <crdt/serialization/all.hpp>

#include "store_test_support.hpp"

using crdt::persist::Error;
using crdt::persist::ErrorCode;
using crdt::persist::SharedStore;
using crdt::persist::Store;
using crdt::persist::Writer;
using crdt::persist::test::TempDir;
using crdt::persist::test::test_options;

namespace {

crdt::PNCounter increment(crdt::PNCounter& counter, Writer& w) {
  return counter.increment(w.replica(), 1);
}

// Runs `body(thread_index)` on `threads` threads at once and joins them.
template <class F>
void on_threads(int threads, F body) {
  std::vector<std::thread> running;
  running.reserve(static_cast<std::size_t>(threads));
  for (int t = 0; t < threads; ++t) running.emplace_back(body, t);
  for (auto& thread : running) thread.join();
}

std::string counter_name(int index) { return "counter:" + std::to_string(index); }

}  // namespace

TEST_CASE("SharedStore: many threads incrementing lose no increment across a reopen",
          "[persist][shared_store]") {
  constexpr int kThreads = 8;
  constexpr int kIncrements = 150;
  TempDir dir;
  const std::string file = dir.file("shared.db");
  auto options = test_options();
  options.fold_max_deltas = 16;  // folds happen inside groups too

  SECTION("one document") {
    {
      SharedStore shared = SharedStore::open(file, options);
      on_threads(kThreads, [&](int) {
        for (int i = 0; i < kIncrements; ++i) shared.update<crdt::PNCounter>("likes", increment);
      });
      CHECK(shared.read<crdt::PNCounter>("likes")->value() == kThreads * kIncrements);
      const auto stats = shared.stats();
      CHECK(stats.updates == kThreads * kIncrements);
      CHECK(stats.failed == 0);
      CHECK(stats.waiting == 0);
    }
    Store store = Store::open(file, options);
    CHECK(store.read<crdt::PNCounter>("likes")->value() == kThreads * kIncrements);
    // Consecutive updates of the document in a group were joined: fewer entries, same value.
    CHECK(store.status().log_entries <= kThreads * kIncrements);
    CHECK(store.status().log_entries >= 1);
    CHECK(store.integrity_check() == "ok");
  }

  SECTION("several documents") {
    constexpr int kDocuments = 3;
    {
      SharedStore shared = SharedStore::open(file, options);
      on_threads(kThreads, [&](int t) {
        for (int i = 0; i < kIncrements; ++i) {
          shared.update<crdt::PNCounter>(counter_name((t + i) % kDocuments), increment);
        }
      });
    }
    Store store = Store::open(file, options);
    std::int64_t total = 0;
    for (int d = 0; d < kDocuments; ++d) {
      const auto value = store.read<crdt::PNCounter>(counter_name(d))->value();
      CHECK(value > 0);
      total += value;
    }
    CHECK(total == kThreads * kIncrements);
    CHECK(store.integrity_check() == "ok");
  }
}

TEST_CASE("SharedStore: a throwing mutator fails only its caller", "[persist][shared_store]") {
  TempDir dir;
  const std::string file = dir.file("shared.db");
  constexpr int kThreads = 6;
  constexpr int kRounds = 60;
  std::atomic<int> thrown{0};
  std::atomic<int> wrong_type{0};
  std::atomic<int> succeeded{0};
  {
    SharedStore shared = SharedStore::open(file, test_options());
    shared.update<crdt::ORSet<std::string>>(
        "tags", [](auto& set, Writer& w) { return set.add(w.replica(), "a"); });
    on_threads(kThreads, [&](int t) {
      for (int i = 0; i < kRounds; ++i) {
        try {
          switch ((t + i) % 3) {
            case 0:
              // Changes the state in place, then throws: the change must vanish with it.
              shared.update<crdt::PNCounter>("likes", [](crdt::PNCounter& counter, Writer& w) {
                counter.increment(w.replica(), 1000);
                throw std::runtime_error("refused");
                return crdt::PNCounter{};
              });
              break;
            case 1:
              shared.update<crdt::PNCounter>("tags", increment);
              break;
            default:
              shared.update<crdt::PNCounter>("likes", increment);
              ++succeeded;
          }
        } catch (const Error& error) {
          CHECK(error.code() == ErrorCode::wrong_type);
          ++wrong_type;
        } catch (const std::runtime_error& error) {
          CHECK(std::string(error.what()) == "refused");
          ++thrown;
        }
      }
    });
    CHECK(shared.read<crdt::PNCounter>("likes")->value() == succeeded.load());
    CHECK(shared.stats().failed == static_cast<std::uint64_t>(thrown + wrong_type));
  }
  CHECK(thrown == kThreads * kRounds / 3);
  CHECK(wrong_type == kThreads * kRounds / 3);
  CHECK(succeeded == kThreads * kRounds / 3);
  Store store = Store::open(file, test_options());
  CHECK(store.read<crdt::PNCounter>("likes")->value() == succeeded.load());
  CHECK(store.read<crdt::ORSet<std::string>>("tags")->contains("a"));
}

TEST_CASE("SharedStore: callers that arrive during a commit share the next transaction",
          "[persist][shared_store]") {
  TempDir dir;
  constexpr int kFollowers = 5;
  SharedStore shared = SharedStore::open(dir.file("shared.db"), test_options());
  std::atomic<bool> leader_started{false};
  // The first update holds its transaction open until every follower has queued behind it, so
  // the followers must all land in the one transaction after it (no timing involved).
  std::thread leader([&] {
    shared.update<crdt::PNCounter>("likes", [&](crdt::PNCounter& counter, Writer& w) {
      leader_started = true;
      while (shared.stats().waiting < 1 + kFollowers) std::this_thread::yield();
      return counter.increment(w.replica(), 1);
    });
  });
  while (!leader_started) std::this_thread::yield();
  on_threads(kFollowers, [&](int) { shared.update<crdt::PNCounter>("likes", increment); });
  leader.join();

  const auto stats = shared.stats();
  CHECK(stats.updates == 1 + kFollowers);
  CHECK(stats.transactions == 2);
  CHECK(stats.largest_group == kFollowers);
  CHECK(shared.read<crdt::PNCounter>("likes")->value() == 1 + kFollowers);
}

TEST_CASE("SharedStore: under contention there are fewer transactions than updates",
          "[persist][shared_store]") {
  TempDir dir;
  constexpr int kThreads = 8;
  constexpr int kIncrements = 100;
  SharedStore shared = SharedStore::open(dir.file("shared.db"), test_options());
  on_threads(kThreads, [&](int t) {
    for (int i = 0; i < kIncrements; ++i)
      shared.update<crdt::PNCounter>(counter_name(t), increment);
  });
  const auto stats = shared.stats();
  CHECK(stats.updates == kThreads * kIncrements);
  CHECK(stats.transactions < stats.updates);
  CHECK(stats.largest_group > 1);
  shared.with_store(
      [](Store& store) { CHECK(store.status().log_entries == kThreads * kIncrements); });
}
