// crdt-bench sync: end-to-end replication between two processes over 127.0.0.1.
//
// What is measured. A writer node (this process) and a reader node (a child process started as
// `crdt-bench sync-reader`), each with its own store file, the writer dialing the reader. The
// writer sets key "k<i % 100>" of one ORMap<string, MVRegister<string>> to i, for i = 1..N.
// - issue time of i: when Node::update was called. The call returns once the update is durable
//   in the writer's store, so an update counts as issued-acknowledged only when durable.
// - arrival time of i: when the reader's subscription callback first saw a value >= i on any key,
//   i.e. the reader's store had merged it and the app was told.
// - latency = arrival - issue, both on CLOCK_MONOTONIC (steady_clock), one clock for every process.
// i is assigned inside the mutator, which the store runs in commit order (one mutator at a time,
// under its lock), so i follows the delta log's order even with many writer threads: seeing value v
// means the reader has merged the log up to v, hence every update <= v.
//
// Modes, each with fresh stores and a fresh reader process per run:
// - throughput: T threads call update() back to back, so the SharedStore's group commit writes the
//   calls that queued meanwhile in one transaction (one fsync in full durability). seconds = first
//   issue to last arrival; updates_per_s = N / seconds; p50/p99 are per-update latencies under that
//   load, queueing included. acked_per_s is the writer's rate alone (N / first issue to last
//   return).
//   Why 128 threads by default: on the 2-core VM this was written on, groups stay near 1 with 8
//   threads (each commit is fast, so a caller rarely finds one in flight) and the end-to-end rate
//   was ~7k/s; 128 gave groups of 10-15 and ~18k/s (normal durability; full: ~14k/s vs ~3.7k/s);
//   256 added little but latency. Each thread still waits for its own update to be durable.
// - latency: one thread, one update every 1/rate s on an absolute schedule (a slow update does not
//   delay the later ones), the pair otherwise idle: p50/p99 of the unloaded latency.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <future>
#include <iostream>
#include <mutex>
#include <signal.h>
#include <stdexcept>
#include <string>
#include <sys/prctl.h>
#include <thread>
#include <unistd.h>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <crdt/mv_register.hpp>
#include <crdt/or_map.hpp>
#include <crdt/serialization/all.hpp>
#include <crdt/sync/node.hpp>

#include "bench_process.hpp"
#include "net_support.hpp"
#include "network_benches.hpp"

namespace crdt::bench {

namespace {

using Map = ORMap<std::string, MVRegister<std::string>>;
using std::chrono::milliseconds;
constexpr const char* kDoc = "bench/map";
constexpr std::uint64_t kKeys = 100;

milliseconds seconds_to_ms(double seconds) {
  return milliseconds(static_cast<std::int64_t>(seconds * 1000));
}

struct Phase {
  std::string mode;
  std::uint64_t updates = 0;
  int threads = 1;
  double rate = 0;  // updates per second; 0: back to back
};

struct PhaseResult {
  double seconds = 0;
  double updates_per_s = 0;
  double acked_per_s = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
  double mean_group = 0;
};

// Calls write_one() from `threads` threads until `updates` calls were made; rethrows the first
// failure once every thread has stopped.
template <class F>
void write_concurrently(int threads, std::uint64_t updates, F write_one) {
  std::atomic<std::uint64_t> claimed{0};
  std::mutex failed;
  std::exception_ptr failure;
  std::vector<std::thread> running;
  for (int t = 0; t < threads; ++t) {
    running.emplace_back([&] {
      try {
        while (claimed.fetch_add(1) < updates) write_one();
      } catch (...) {
        claimed = updates;
        std::lock_guard lock(failed);
        if (!failure) failure = std::current_exception();
      }
    });
  }
  for (auto& thread : running) thread.join();
  if (failure) std::rethrow_exception(failure);
}

// Starts the reader process and returns it with the port it listens on.
std::pair<ChildProcess, std::uint16_t> start_reader(const SyncSettings& settings,
                                                    const Phase& phase, const ScratchDir& scratch,
                                                    const std::string& arrivals_file) {
  std::vector<std::string> args{"sync-reader",
                                "--dir",
                                scratch.path().string(),
                                "--out",
                                arrivals_file,
                                "--updates",
                                std::to_string(phase.updates),
                                "--durability",
                                settings.durability,
                                "--parent",
                                std::to_string(::getpid()),
                                "--timeout",
                                std::to_string(settings.timeout_s)};
  if (settings.verbose) args.emplace_back("--verbose");
  ChildProcess reader = ChildProcess::spawn_self(args);
  const auto hello = reader.read_line(milliseconds(30000));
  if (!hello) throw std::runtime_error("sync-reader did not tell its port within 30 s");
  const auto port = nlohmann::json::parse(*hello).at("port").get<std::uint16_t>();
  return {std::move(reader), port};
}

// Makes the phase's updates through `writer`; returns the issue time of each i (index 0 unused).
std::vector<std::int64_t> issue_updates(sync::Node& writer, const Phase& phase) {
  std::vector<std::string> keys;
  for (std::uint64_t k = 0; k < kKeys; ++k) {
    keys.push_back(std::string("k").append(std::to_string(k)));
  }
  std::vector<std::int64_t> issued(phase.updates + 1, 0);
  std::uint64_t assigned = 0;  // touched by mutators only, which the store runs one at a time
  const auto write_one = [&] {
    const std::int64_t called = now_ns();
    writer.update<Map>(kDoc, [&](Map& map, persist::Writer& w) {
      const std::uint64_t i = ++assigned;
      issued[i] = called;
      return map.update(w.replica(), keys[i % kKeys], [&](MVRegister<std::string>& r) {
        return r.write(w.replica(), std::to_string(i));
      });
    });
  };
  if (phase.rate == 0 && phase.threads == 0) {
    // Asynchronous: one thread issues updates without waiting for each (Node::update_async); an
    // update is acknowledged when its future is ready (durable). At most kInFlight are pending.
    constexpr std::size_t kInFlight = 8192;
    std::deque<std::future<Map>> pending;
    for (std::uint64_t k = 0; k < phase.updates; ++k) {
      const std::int64_t called = now_ns();
      pending.push_back(writer.update_async<Map>(
          kDoc, [&issued, &assigned, &keys, called](Map& map, persist::Writer& w) {
            const std::uint64_t i = ++assigned;
            issued[i] = called;
            return map.update(w.replica(), keys[i % kKeys], [&](MVRegister<std::string>& r) {
              return r.write(w.replica(), std::to_string(i));
            });
          }));
      while (pending.size() > kInFlight) {
        pending.front().get();
        pending.pop_front();
      }
    }
    for (auto& future : pending) future.get();
  } else if (phase.rate > 0) {
    const auto start = Clock::now();
    const double period_ns = 1e9 / phase.rate;
    for (std::uint64_t k = 0; k < phase.updates; ++k) {
      const auto offset = static_cast<std::int64_t>(period_ns * static_cast<double>(k));
      std::this_thread::sleep_until(start + std::chrono::nanoseconds(offset));
      write_one();
    }
  } else {
    write_concurrently(phase.threads, phase.updates, write_one);
  }
  return issued;
}

PhaseResult summarize(const std::vector<std::int64_t>& issued,
                      const std::vector<std::int64_t>& arrivals, std::int64_t last_ack) {
  const std::size_t n = issued.size() - 1;
  std::vector<double> latencies;
  latencies.reserve(n);
  std::int64_t first_issue = issued[1], last_arrival = arrivals[1];
  for (std::size_t i = 1; i <= n; ++i) {
    if (arrivals[i] < issued[i]) {
      throw std::runtime_error("update " + std::to_string(i) + " arrived before it was issued");
    }
    latencies.push_back(ns_to_ms(arrivals[i] - issued[i]));
    first_issue = std::min(first_issue, issued[i]);
    last_arrival = std::max(last_arrival, arrivals[i]);
  }
  PhaseResult result;
  result.seconds = ns_to_ms(last_arrival - first_issue) / 1000;
  result.updates_per_s = static_cast<double>(n) / result.seconds;
  result.acked_per_s = static_cast<double>(n) / (ns_to_ms(last_ack - first_issue) / 1000);
  result.p50_ms = percentile(latencies, 0.50);
  result.p99_ms = percentile(latencies, 0.99);
  result.max_ms = percentile(latencies, 1.0);
  return result;
}

PhaseResult run_phase(const SyncSettings& settings, const Phase& phase) {
  const ScratchDir scratch;  // declared first: removed after the reader is gone
  const std::string arrivals_file = scratch.file("arrivals.bin");
  auto [reader, port] = start_reader(settings, phase, scratch, arrivals_file);
  auto options = node_options(settings.verbose, "writer");
  options.peers = {loopback(port)};
  auto writer = sync::Node::open(scratch.file("writer.db"), std::move(options),
                                 store_options(parse_durability(settings.durability)));
  if (!writer->wait_synced(milliseconds(30000))) {
    throw std::runtime_error("writer: no first sync with the reader at 127.0.0.1:" +
                             std::to_string(port) + " within 30 s");
  }

  const auto before = writer->store().stats();
  const auto issued = issue_updates(*writer, phase);
  const std::int64_t last_ack = now_ns();
  const auto after = writer->store().stats();

  const auto done = reader.read_line(seconds_to_ms(settings.timeout_s + 10));
  const auto code = reader.wait(milliseconds(30000));
  writer->stop();
  if (!done || !code || *code != 0) {
    throw std::runtime_error("sync-reader failed (" + (done ? *done : std::string("no report")) +
                             ", exit " + (code ? std::to_string(*code) : "none") + ")");
  }
  PhaseResult result = summarize(issued, read_times(arrivals_file, phase.updates), last_ack);
  result.mean_group =
      static_cast<double>(after.updates - before.updates) /
      static_cast<double>(std::max<std::uint64_t>(1, after.transactions - before.transactions));
  return result;
}

nlohmann::json measure(const SyncSettings& settings, const Phase& phase) {
  std::vector<PhaseResult> runs;
  for (int run = 0; run < settings.runs; ++run) runs.push_back(run_phase(settings, phase));
  const auto med = [&](double PhaseResult::*field) {
    std::vector<double> values;
    for (const auto& r : runs) values.push_back(r.*field);
    return median(values);
  };
  nlohmann::json line{{"bench", "sync"},
                      {"mode", phase.mode},
                      {"updates", phase.updates},
                      {"durability", settings.durability},
                      {"seconds", med(&PhaseResult::seconds)},
                      {"updates_per_s", med(&PhaseResult::updates_per_s)},
                      {"p50_ms", med(&PhaseResult::p50_ms)},
                      {"p99_ms", med(&PhaseResult::p99_ms)},
                      {"max_ms", med(&PhaseResult::max_ms)},
                      {"acked_per_s", med(&PhaseResult::acked_per_s)},
                      {"mean_group", med(&PhaseResult::mean_group)},
                      {"runs", settings.runs},
                      {"processes", 2}};
  if (phase.rate > 0) {
    line["rate"] = phase.rate;
  } else if (phase.threads == 0) {
    line["writer"] = "one thread, update_async";
  } else {
    line["threads"] = phase.threads;
  }
  return line;
}

}  // namespace

void run_sync(const SyncSettings& settings,
              const std::function<void(const nlohmann::json&)>& emit) {
  parse_durability(settings.durability);  // fails before anything is started
  if (settings.updates == 0 || settings.latency_updates == 0) {
    throw std::invalid_argument("sync: at least one update per mode");
  }
  if (settings.mode == "throughput" || settings.mode == "both") {
    emit(measure(settings, Phase{"throughput", settings.updates, settings.threads, 0}));
  }
  if (settings.mode == "latency" || settings.mode == "both") {
    emit(measure(settings, Phase{"latency", settings.latency_updates, 1, settings.rate}));
  }
}

int run_sync_reader(const SyncReaderSettings& settings) {
  // Dies with the benchmark, so a crashed writer never leaves a reader behind.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (settings.parent != 0 && ::getppid() != settings.parent) return 1;
  auto options = node_options(settings.verbose, "reader");
  options.listen = {loopback(0)};
  auto node = sync::Node::open(settings.dir + "/reader.db", std::move(options),
                               store_options(parse_durability(settings.durability)));

  std::vector<std::int64_t> arrivals(settings.updates + 1, 0);
  std::mutex mutex;
  std::condition_variable all_seen;
  std::uint64_t seen = 0;  // the highest value seen: every update up to it has arrived
  auto subscription =
      node->subscribe_states(kDoc, [&](const std::string&, const auto&, const auto& after) {
        const std::int64_t now = now_ns();
        const Map* map = typed_state<Map>(after);
        if (map == nullptr) return;
        std::uint64_t top = 0;
        for (const auto& [key, values] : map->value()) {
          for (const auto& value : values) top = std::max<std::uint64_t>(top, std::stoull(value));
        }
        std::lock_guard lock(mutex);
        for (std::uint64_t i = seen + 1; i <= std::min(top, settings.updates); ++i)
          arrivals[i] = now;
        if (top > seen) {
          seen = top;
          if (seen >= settings.updates) all_seen.notify_all();
        }
      });
  std::cout << nlohmann::json{{"port", node->bound().front().port}} << std::endl;

  bool complete = false;
  std::uint64_t reached = 0;
  {
    std::unique_lock lock(mutex);
    complete = all_seen.wait_for(lock, seconds_to_ms(settings.timeout_s),
                                 [&] { return seen >= settings.updates; });
    reached = seen;
  }
  subscription.reset();
  node->stop();
  write_times(settings.out, arrivals);
  std::cout << nlohmann::json{{"done", complete}, {"seen", reached}} << std::endl;
  return complete ? 0 : 1;
}

}  // namespace crdt::bench
