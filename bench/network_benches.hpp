// The network benchmarks of crdt-bench: nodes syncing over 127.0.0.1, each returning JSON lines of
// medians. What each one measures is described where it is implemented (sync_throughput.cpp,
// catchup_bench.cpp, restart_bench.cpp, fanout_bench.cpp, isolation_bench.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace crdt::bench {

struct SyncSettings {
  std::uint64_t updates = 100000;        // throughput mode
  std::uint64_t latency_updates = 2000;  // latency mode
  double rate = 500;                     // latency mode: updates per second
  // Throughput mode: 0 issues from one thread with Node::update_async (group commit without a
  // thread per pending update); N > 0 uses N threads calling the blocking Node::update.
  int threads = 0;
  std::string durability = "normal";
  std::string mode = "both";  // throughput, latency or both
  int runs = 3;
  double timeout_s = 300;  // per run, for the reader to see everything
  bool verbose = false;
};

// The hidden `sync-reader` subcommand: the reader process of `sync`.
struct SyncReaderSettings {
  std::string dir;
  std::string out;
  std::uint64_t updates = 0;
  std::string durability = "normal";
  long parent = 0;
  double timeout_s = 300;
  bool verbose = false;
};

struct CatchupSettings {
  std::size_t docs = 1000;
  std::uint64_t updates = 20000;
  double touched = 1.0;  // fraction of the documents the updates touch
  int settle_ms = 300;   // after the setup writes, for the hub's log poll (catchup_bench.cpp)
  std::string durability = "normal";
  int runs = 3;
  bool verbose = false;
};

struct RestartSettings {
  std::size_t docs = 1000;
  std::string durability = "normal";
  int runs = 5;
  bool verbose = false;
};

struct FanoutSettings {
  std::size_t devices = 50;
  int writes = 5;
  std::string durability = "normal";
  bool verbose = false;
};

struct IsolationSettings {
  std::size_t devices = 100;        // idle devices, in one process
  std::size_t bulk_docs = 20000;    // the bulk device's backlog
  std::string durability = "full";  // the hub's store; the devices use normal
  int runs = 3;
  int idle_ms = 3000;      // live updates measured before the bulk device connects
  bool floor = false;      // also runs with the upload going to a second hub (the floor)
  double timeout_s = 600;  // per run: every wait of a run is bounded by it
  bool verbose = false;
};

// The hidden `isolation-peer` subcommand: one process of `isolation` (hub, idle, live or bulk).
struct IsolationPeerSettings {
  std::string role;
  std::string dir;
  std::uint16_t port = 0;  // the hub's
  std::size_t devices = 0;
  std::size_t bulk_docs = 0;
  std::string durability = "full";
  long parent = 0;
  double timeout_s = 600;
  bool verbose = false;
};

// Calls `emit` with each mode's line as soon as it is measured.
void run_sync(const SyncSettings& settings, const std::function<void(const nlohmann::json&)>& emit);
// Returns the process's exit code.
int run_sync_reader(const SyncReaderSettings& settings);
nlohmann::json run_catchup(const CatchupSettings& settings);
nlohmann::json run_restart(const RestartSettings& settings);
nlohmann::json run_fanout(const FanoutSettings& settings);
nlohmann::json run_isolation(const IsolationSettings& settings);
// Returns the process's exit code.
int run_isolation_peer(const IsolationPeerSettings& settings);

}  // namespace crdt::bench
