// StoreWorker: the order jobs run in (per-queue FIFO, queues in turn, background work neither
// starved nor in the way), on the deterministic loop worker and on the thread worker.
#include "store_worker.hpp"

#include <algorithm>
#include <chrono>
#include <future>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <crdt/persist/shared_store.hpp>
#include <crdt/persist/store.hpp>

#include "support/sim_network.hpp"
#include "support/temp_dir.hpp"

using crdt::persist::SharedStore;
using crdt::persist::Store;
using crdt::sync::LoopStoreWorker;
using crdt::sync::StoreWorker;
using crdt::sync::ThreadStoreWorker;
using crdt::sync::test::SimNetwork;

namespace {

Store open_store(const crdt::test::TempDir& dir) {
  crdt::persist::Options options;
  options.durability = crdt::persist::Durability::normal;
  return Store::open(dir.file("a.db"), options);
}

struct Recorder {
  std::vector<std::string> runs;
  StoreWorker::Job job(std::string name, int times = 1) {
    return [this, name, left = times](Store&) mutable {
      runs.push_back(name);
      return --left > 0;
    };
  }
};

// A loop worker on the simulated clock, and what its jobs recorded.
struct LoopWorker {
  crdt::test::TempDir dir{"crdt-worker"};
  SharedStore store{open_store(dir)};
  SimNetwork network{1};
  LoopStoreWorker worker{network.host("a").loop(), store};
  Recorder record;
};

}  // namespace

TEST_CASE("StoreWorker: queues take turns, each in order, a long job between the others",
          "[store_worker]") {
  LoopWorker fixture;
  auto& [dir, store, network, worker, record] = fixture;
  worker.submit(5, record.job("bulk", 3));  // three runs: a merge in slices
  worker.submit(5, record.job("bulk-next"));
  worker.submit(7, record.job("live1"));
  worker.submit(7, record.job("live2"));
  REQUIRE(network.run_until_idle(1000));
  CHECK(record.runs ==
        std::vector<std::string>{"bulk", "live1", "bulk", "live2", "bulk", "bulk-next"});
}

TEST_CASE("StoreWorker: background work waits for the others, but never for ever",
          "[store_worker]") {
  LoopWorker fixture;
  auto& [dir, store, network, worker, record] = fixture;
  worker.submit(StoreWorker::kBackground, record.job("ack"));
  worker.submit(3, record.job("merge", 10));
  REQUIRE(network.run_until_idle(1000));
  std::vector<std::string> expected(StoreWorker::kBackgroundEvery, "merge");
  expected.push_back("ack");
  expected.resize(11, "merge");
  CHECK(record.runs == expected);

  record.runs.clear();
  worker.submit(StoreWorker::kBackground, record.job("truncate", 2));
  REQUIRE(network.run_until_idle(1000));
  CHECK(record.runs == std::vector<std::string>{"truncate", "truncate"});  // alone: at once
}

TEST_CASE("StoreWorker: the thread worker runs every job, and finishes its queue on stop",
          "[store_worker]") {
  crdt::test::TempDir dir{"crdt-worker"};
  SharedStore store(open_store(dir));
  ThreadStoreWorker worker(store);
  std::promise<void> gate;
  auto opened = gate.get_future().share();
  std::vector<int> seen;  // written by the worker thread only, read after stop()
  worker.submit(1, [opened](Store&) {
    opened.wait();  // everything below is queued before any of it runs
    return false;
  });
  for (int i = 0; i < 5; ++i) {
    worker.submit(2, [&seen, i](Store&) {
      seen.push_back(i);
      return false;
    });
  }
  worker.submit(StoreWorker::kBackground, [&seen](Store&) {
    seen.push_back(-1);
    return false;
  });
  gate.set_value();
  worker.stop(true);
  REQUIRE(seen.size() == 6);
  const auto background = std::find(seen.begin(), seen.end(), -1);
  REQUIRE(background != seen.end());
  seen.erase(background);
  CHECK(seen == std::vector<int>{0, 1, 2, 3, 4});
}
