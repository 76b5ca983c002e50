// crdt-bench isolation: does one device's bulk upload delay another device's small updates on a
// shared hub (issue 10)?
//
// Processes. Each role is this program started again (`crdt-bench isolation-peer --role R`), so
// the hub's event loop (and the machine's cores) is all they share; every node talks to the hub
// over 127.0.0.1 only.
// - hub: one node listening on 127.0.0.1:0, subscribed to every document, its store opened with
//   --durability (full by default). It watches "live/" with a subscription of its own (below).
// - idle: N devices in one process, each a Node with its own thread and small SQLite file: other
//   users' phones. Device i subscribes to "idle/<i>/" and holds one small document there, so it
//   keeps a connection (keepalives, acknowledgements, the hub's empty range messages) but
//   receives none of the live or bulk data.
// - live: one device subscribed to "live/" that sets the LWWRegister<int64> "live/0" to i = 1, 2,
//   ... one update every 2 ms on an absolute schedule (a slow update does not delay later ones).
// - bulk: one device subscribed to "bulk/" with a backlog of D documents "bulk/<d>", each an
//   LWWRegister<string> of 2,048 characters (seeded random over 64 letters, so compression does not
//   make them vanish). It is a device the hub knows: during setup it syncs once (holding one small
//   document), stops, writes the D documents offline (1,000 per transaction) and waits; when told,
//   it reconnects and uploads them from its delta log (the delta-interval path, not digests).
// Every device store uses Durability::normal; only the hub's follows --durability.
//
// Latency of live update i: from the live device's Node::update call for i (durable in its own
// store) to the first call of the hub's "live/" subscription callback that sees a value >= i: the
// hub has merged it in a transaction, committed it, and its engine has told the app. This is
// `crdt-bench sync`'s latency definition with the hub as the reader: one writer's LWW values
// increase, so seeing v means every i <= v has arrived. Both times are steady_clock, which is one
// clock for every process of the machine. Chosen over a probe device that the hub relays to (which
// would add a second hop and the probe's own commit) and over the hub's acknowledgement (which the
// API shows only by polling Node::sessions()).
//
// One run: hub; idle devices (all synced); the bulk device's setup; the live device (synced), which
// then sends for --idle-ms with nothing else happening: idle window, its first 100 ms skipped as
// warm-up -> idle_p50/p99_ms, idle_samples. Then the bulk device is told to reconnect. Bulk window:
// from its Node::open call to its Node::wait_synced returning, which needs every upload message
// acknowledged by the hub, and the hub acknowledges a message only after committing it -> bulk_ms.
// live_p50/p99/max_ms are over the live updates issued inside the bulk window (live_samples of
// them). The live device is stopped only after the bulk device reported, so the two overlap by
// construction; per run, overlap says that the live device sent from before the bulk window to its
// end, and max_issue_gap_ms is the longest gap between two live updates issued in it (2 ms unless
// the live process itself was starved). Then each process is told to stop (a file in the run's
// scratch directory; every wait has a timeout and each child dies with the benchmark; the live
// device waits for the hub's acknowledgement of its last update before it closes), and the hub
// reads every bulk document back and compares its content. ok: every bulk document is on the hub
// with its content, the hub saw every live update, and every process exited cleanly. idle_frames:
// the frames the idle devices received from ready to stop (when the hub's log advances, each
// device with nothing in flight gets an empty range message, to acknowledge).
//
// All the processes share the machine's cores: in the bulk window the bulk device's own work
// (reading its log, compressing) competes with the hub too, as it would not across the internet.
//
// With --floor, each run is followed by one where the bulk device uploads to a second hub process
// instead (run_once's `separate`): the live device's hub then shares only the machine with the
// upload, and "floor" holds the same figures for those runs. A live_p99_ms that the floor itself
// does not reach is beyond what this machine allows any one hub.
//
// Printed: the median over the runs of each figure, and per_run with each run's values. p99_ratio
// is live_p99_ms / idle_p99_ms within a run (the issue's target: <= 3 with full durability and 100
// devices); the top-level one is the median of the runs' ratios.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <signal.h>
#include <stdexcept>
#include <string>
#include <sys/prctl.h>
#include <thread>
#include <unistd.h>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <crdt/lww_register.hpp>
#include <crdt/persist/store.hpp>
#include <crdt/serialization/all.hpp>
#include <crdt/sync/node.hpp>

#include "bench_process.hpp"
#include "net_support.hpp"
#include "network_benches.hpp"

namespace crdt::bench {

namespace {

namespace fs = std::filesystem;
using Register = LWWRegister<std::int64_t>;
using Blob = LWWRegister<std::string>;
using std::chrono::milliseconds;

constexpr const char* kLiveDoc = "live/0";
constexpr const char* kKnownDoc = "bulk/known";  // the bulk device's document at its first sync
constexpr milliseconds kLivePeriod{2};
constexpr milliseconds kWarmup{100};
constexpr std::size_t kDocBytes = 2048;
constexpr std::size_t kPerBatch = 1000;
constexpr milliseconds kStartTimeout{120000};  // a process to start, open and sync
constexpr milliseconds kStopTimeout{120000};   // a process to finish once told to stop

// What the benchmark tells its peers, as files in the run's scratch directory.
constexpr const char* kGoBulk = "go-bulk";
constexpr const char* kStopLive = "stop-live";
constexpr const char* kStopIdle = "stop-idle";
constexpr const char* kStopHub = "stop-hub";  // holds the number of live updates sent
// Times [1..n], as `crdt-bench sync` writes them (write_times).
constexpr const char* kIssued = "issued.bin";
constexpr const char* kArrived = "arrived.bin";

milliseconds seconds_to_ms(double seconds) {
  return milliseconds(static_cast<std::int64_t>(seconds * 1000));
}

std::string bulk_id(std::size_t d) { return "bulk/" + std::to_string(d); }
std::string idle_prefix(std::size_t i) { return "idle/" + std::to_string(i) + "/"; }

// Bulk document d's content; the bulk device writes it and the hub checks it.
std::string bulk_value(std::size_t d) {
  static constexpr char kLetters[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::mt19937_64 random(d + 1);
  std::string value(kDocBytes, ' ');
  for (char& c : value) c = kLetters[random() % 64];
  return value;
}

// Creates `path` with `content`, whole (written aside, then renamed).
void signal_file(const std::string& path, const std::string& content = {}) {
  const std::string aside = path + ".tmp";
  {
    std::ofstream out(aside, std::ios::trunc);
    out << content;
    if (!out) throw std::runtime_error("cannot write " + aside);
  }
  fs::rename(aside, path);
}

// The content of `path` once it exists; nullopt on timeout.
std::optional<std::string> wait_file(const std::string& path, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!fs::exists(path)) {
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(milliseconds(10));
  }
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void report(const nlohmann::json& line) { std::cout << line.dump() << std::endl; }

sync::NodeOptions device_options(const IsolationPeerSettings& settings, const std::string& name,
                                 const std::string& prefix) {
  auto options = node_options(settings.verbose, name);
  options.peers = {loopback(settings.port)};
  options.subscribe = {prefix};
  return options;
}

int run_hub(const IsolationPeerSettings& settings) {
  auto options = node_options(settings.verbose, "hub");
  options.listen = {loopback(0)};
  auto hub = sync::Node::open(settings.dir + "/hub.db", std::move(options),
                              store_options(parse_durability(settings.durability)));
  std::mutex mutex;
  std::condition_variable advanced;
  std::vector<std::int64_t> arrived{0};  // [i]: when the callback first saw a value >= i
  auto subscription =
      hub->subscribe_states("live/", [&](const std::string&, const auto&, const auto& after) {
        const std::int64_t now = now_ns();
        const Register* live = typed_state<Register>(after);
        if (live == nullptr || !live->value() || *live->value() <= 0) return;
        const auto top = static_cast<std::size_t>(*live->value());
        std::lock_guard lock(mutex);
        if (top >= arrived.size()) {
          arrived.resize(top + 1, now);
          advanced.notify_all();
        }
      });
  report({{"port", hub->bound().front().port}});

  const auto stop = wait_file(settings.dir + "/" + kStopHub, seconds_to_ms(settings.timeout_s));
  const std::uint64_t sent = stop ? std::stoull(*stop) : 0;
  bool all_live = false;
  {
    std::unique_lock lock(mutex);
    all_live = advanced.wait_for(lock, kStopTimeout, [&] { return arrived.size() > sent; });
  }
  subscription.reset();
  std::size_t bulk_held = 0;
  for (std::size_t d = 0; d < settings.bulk_docs; ++d) {
    const auto blob = hub->read<Blob>(bulk_id(d));
    if (blob && blob->value() == bulk_value(d)) ++bulk_held;
  }
  hub->stop();
  {
    std::lock_guard lock(mutex);
    arrived.resize(sent + 1, 0);
    write_times(settings.dir + "/" + kArrived, arrived);
  }
  report({{"bulk_held", bulk_held}, {"live_seen", all_live}});
  return stop && all_live && bulk_held == settings.bulk_docs ? 0 : 1;
}

int run_idle(const IsolationPeerSettings& settings) {
  std::vector<std::unique_ptr<sync::Node>> devices;
  for (std::size_t i = 0; i < settings.devices; ++i) {
    const std::string name = "idle" + std::to_string(i);
    devices.push_back(sync::Node::open(settings.dir + "/" + name + ".db",
                                       device_options(settings, name, idle_prefix(i)),
                                       store_options(persist::Durability::normal)));
    devices.back()->update<Register>(
        idle_prefix(i) + "profile",
        [](Register& r, persist::Writer& w) { return r.set(w.replica(), w.clock(), 1); });
  }
  // The session each device holds once synced: another one later means it reconnected.
  // Frames received from the hub between ready and stop: what the others' writes cost them.
  std::vector<std::uint64_t> first(devices.size(), 0);
  std::uint64_t frames_before = 0;
  for (std::size_t i = 0; i < devices.size(); ++i) {
    if (!devices[i]->wait_synced(kStartTimeout)) {
      throw std::runtime_error("isolation: idle device " + std::to_string(i) + " did not sync");
    }
    for (const auto& session : devices[i]->sessions()) {
      if (!session.established) continue;
      first[i] = session.id;
      frames_before += session.link.frames_received;
    }
  }
  report({{"ready", true}});

  const bool told =
      wait_file(settings.dir + "/" + kStopIdle, seconds_to_ms(settings.timeout_s)).has_value();
  std::size_t reconnected = 0;
  std::uint64_t frames_after = 0;
  for (std::size_t i = 0; i < devices.size(); ++i) {
    const auto sessions = devices[i]->sessions();
    const bool same =
        sessions.size() == 1 && sessions.front().established && sessions.front().id == first[i];
    if (!same) ++reconnected;
    for (const auto& session : sessions) frames_after += session.link.frames_received;
  }
  devices.clear();
  report({{"reconnected", reconnected}, {"frames", frames_after - frames_before}});
  return told ? 0 : 1;
}

int run_live(const IsolationPeerSettings& settings) {
  auto node = sync::Node::open(settings.dir + "/live.db", device_options(settings, "live", "live/"),
                               store_options(persist::Durability::normal));
  if (!node->wait_synced(kStartTimeout)) throw std::runtime_error("isolation: live did not sync");
  report({{"sending", true}});

  const std::string stop = settings.dir + "/" + kStopLive;
  std::vector<std::int64_t> issued{0};
  const auto start = Clock::now();
  const auto deadline = start + seconds_to_ms(settings.timeout_s);
  bool timed_out = false;
  for (std::int64_t i = 1;; ++i) {
    std::this_thread::sleep_until(start + kLivePeriod * (i - 1));
    if (fs::exists(stop)) break;
    if (Clock::now() >= deadline) {
      timed_out = true;
      break;
    }
    issued.push_back(now_ns());
    node->update<Register>(kLiveDoc, [i](Register& r, persist::Writer& w) {
      return r.set(w.replica(), w.clock(), i);
    });
  }
  // Stopping closes the session at once: first the hub acknowledges the last update.
  const std::uint64_t head =
      node->store().with_store([](persist::Store& s) { return s.status().last_seq; });
  const auto drained = [&] {
    for (const auto& session : node->sessions()) {
      if (session.established && session.progress.acknowledged >= head) return true;
    }
    return false;
  };
  const auto drain_deadline = Clock::now() + kStopTimeout;
  while (!drained() && Clock::now() < drain_deadline) std::this_thread::sleep_for(milliseconds(5));
  node->stop();
  write_times(settings.dir + "/" + kIssued, issued);
  report({{"sent", issued.size() - 1}, {"timed_out", timed_out}});
  return timed_out ? 1 : 0;
}

int run_bulk(const IsolationPeerSettings& settings) {
  const std::string file = settings.dir + "/bulk.db";
  const auto options = device_options(settings, "bulk", "bulk/");
  const auto durability = store_options(persist::Durability::normal);
  {
    // Known to the hub: a first sync with one document, so that the upload below resumes from the
    // acknowledged point of the delta log.
    auto node = sync::Node::open(file, options, durability);
    node->update<Register>(kKnownDoc, [](Register& r, persist::Writer& w) {
      return r.set(w.replica(), w.clock(), 1);
    });
    if (!node->wait_synced(kStartTimeout)) throw std::runtime_error("isolation: bulk did not sync");
  }
  {
    // Offline: the backlog.
    persist::Store store = persist::Store::open(file, durability);
    for (std::size_t first = 0; first < settings.bulk_docs; first += kPerBatch) {
      store.batch([&](persist::Batch& batch) {
        const std::size_t end = std::min(settings.bulk_docs, first + kPerBatch);
        for (std::size_t d = first; d < end; ++d) {
          batch.update<Blob>(bulk_id(d), [&](Blob& r, persist::Writer& w) {
            return r.set(w.replica(), w.clock(), bulk_value(d));
          });
        }
      });
    }
    store.close();
  }
  report({{"prepared", true}});

  if (!wait_file(settings.dir + "/" + kGoBulk, seconds_to_ms(settings.timeout_s))) return 1;
  const std::int64_t connecting = now_ns();
  auto node = sync::Node::open(file, options, durability);
  const bool synced = node->wait_synced(seconds_to_ms(settings.timeout_s));
  const std::int64_t done = now_ns();
  report({{"connecting_ns", connecting}, {"synced_ns", done}, {"synced", synced}});
  node->stop();
  return synced ? 0 : 1;
}

struct RunResult {
  double idle_p50_ms = 0;
  double idle_p99_ms = 0;
  double live_p50_ms = 0;
  double live_p99_ms = 0;
  double live_max_ms = 0;
  double p99_ratio = 0;
  double bulk_ms = 0;
  double idle_samples = 0;
  double live_samples = 0;
  double max_issue_gap_ms = 0;
  double idle_reconnected = 0;
  double idle_frames = 0;
  bool overlap = false;
  bool ok = false;

  nlohmann::json json() const {
    return {{"live_p50_ms", live_p50_ms},   {"live_p99_ms", live_p99_ms},
            {"live_max_ms", live_max_ms},   {"idle_p50_ms", idle_p50_ms},
            {"idle_p99_ms", idle_p99_ms},   {"p99_ratio", p99_ratio},
            {"bulk_ms", bulk_ms},           {"live_samples", live_samples},
            {"idle_samples", idle_samples}, {"max_issue_gap_ms", max_issue_gap_ms},
            {"overlap", overlap},           {"idle_reconnected", idle_reconnected},
            {"idle_frames", idle_frames},   {"ok", ok}};
  }
};

// The next line of `child`, which must be a JSON object holding `key`.
nlohmann::json expect(ChildProcess& child, const std::string& role, const std::string& key,
                      milliseconds timeout) {
  const auto line = child.read_line(timeout);
  if (!line) {
    throw std::runtime_error("isolation: the " + role + " process did not report " + key +
                             " within " + std::to_string(timeout.count() / 1000) + " s");
  }
  auto json = nlohmann::json::parse(*line, nullptr, false);
  if (!json.is_object() || !json.contains(key)) {
    throw std::runtime_error("isolation: the " + role + " process reported " + *line);
  }
  return json;
}

// `separate`: the floor. The bulk device uploads to a second hub process on the same machine
// (same durability, its own file), so the live device's hub shares the cores and the disk with
// the upload but none of its own work: what no design of one hub can do better than here.
RunResult run_once(const IsolationSettings& settings, bool separate) {
  const ScratchDir scratch;  // declared first: removed after the processes are gone
  const auto timeout = seconds_to_ms(settings.timeout_s);
  const fs::path other = scratch.path() / "other-hub";
  if (separate) fs::create_directories(other);
  const auto start = [&](const std::string& role, std::uint16_t port, const fs::path& dir,
                         std::size_t bulk_docs) {
    std::vector<std::string> args{"isolation-peer",
                                  "--role",
                                  role,
                                  "--dir",
                                  dir.string(),
                                  "--port",
                                  std::to_string(port),
                                  "--devices",
                                  std::to_string(settings.devices),
                                  "--bulk-docs",
                                  std::to_string(bulk_docs),
                                  "--durability",
                                  settings.durability,
                                  "--parent",
                                  std::to_string(::getpid()),
                                  "--timeout",
                                  std::to_string(settings.timeout_s)};
    if (settings.verbose) args.emplace_back("--verbose");
    return ChildProcess::spawn_self(args);
  };

  ChildProcess hub = start("hub", 0, scratch.path(), separate ? 0 : settings.bulk_docs);
  const auto port = expect(hub, "hub", "port", kStartTimeout).at("port").get<std::uint16_t>();
  std::optional<ChildProcess> bulk_hub;
  std::uint16_t bulk_port = port;
  if (separate) {
    bulk_hub.emplace(start("hub", 0, other, settings.bulk_docs));
    bulk_port = expect(*bulk_hub, "hub", "port", kStartTimeout).at("port").get<std::uint16_t>();
  }
  std::optional<ChildProcess> idle;
  if (settings.devices > 0) {
    idle.emplace(start("idle", port, scratch.path(), settings.bulk_docs));
    expect(*idle, "idle", "ready", kStartTimeout);
  }
  ChildProcess bulk = start("bulk", bulk_port, scratch.path(), settings.bulk_docs);
  expect(bulk, "bulk", "prepared", timeout);
  ChildProcess live = start("live", port, scratch.path(), settings.bulk_docs);
  expect(live, "live", "sending", kStartTimeout);

  std::this_thread::sleep_for(milliseconds(settings.idle_ms));
  signal_file(scratch.file(kGoBulk));
  const auto upload = expect(bulk, "bulk", "synced_ns", timeout + kStopTimeout);
  signal_file(scratch.file(kStopLive));
  const auto sent = expect(live, "live", "sent", kStopTimeout).at("sent").get<std::uint64_t>();
  RunResult result;
  if (idle) {
    signal_file(scratch.file(kStopIdle));
    const auto idle_report = expect(*idle, "idle", "reconnected", kStopTimeout);
    result.idle_reconnected = idle_report.at("reconnected").get<double>();
    result.idle_frames = idle_report.at("frames").get<double>();
  }
  signal_file(scratch.file(kStopHub), std::to_string(sent));
  auto held = expect(hub, "hub", "bulk_held", kStopTimeout);
  bool clean = upload.at("synced").get<bool>();
  if (bulk_hub) {
    signal_file((other / kStopHub).string(), "0");
    held["bulk_held"] = expect(*bulk_hub, "hub", "bulk_held", kStopTimeout).at("bulk_held");
    const auto code = bulk_hub->wait(kStopTimeout);
    clean = clean && code && *code == 0;
  }

  for (ChildProcess* child : {&hub, &bulk, &live}) {
    const auto code = child->wait(kStopTimeout);
    clean = clean && code && *code == 0;
  }
  if (idle) {
    const auto code = idle->wait(kStopTimeout);
    clean = clean && code && *code == 0;
  }

  const auto issued = read_times(scratch.file(kIssued), sent);
  const auto arrived = read_times(scratch.file(kArrived), sent);
  const auto bulk_from = upload.at("connecting_ns").get<std::int64_t>();
  const auto bulk_to = upload.at("synced_ns").get<std::int64_t>();
  const std::int64_t warm_until = issued[1] + std::chrono::nanoseconds(kWarmup).count();
  std::vector<double> idle_ms, live_ms;
  bool all_arrived = sent > 0;
  std::int64_t previous = 0, max_gap = 0;
  for (std::uint64_t i = 1; i <= sent; ++i) {
    const bool in_bulk = issued[i] >= bulk_from && issued[i] <= bulk_to;
    if (in_bulk && previous != 0) max_gap = std::max(max_gap, issued[i] - previous);
    previous = issued[i];
    if (arrived[i] == 0) {
      all_arrived = false;
      continue;
    }
    if (arrived[i] < issued[i]) {
      throw std::runtime_error("isolation: live update " + std::to_string(i) +
                               " arrived before it was issued");
    }
    const double ms = ns_to_ms(arrived[i] - issued[i]);
    if (in_bulk) {
      live_ms.push_back(ms);
    } else if (issued[i] >= warm_until && issued[i] < bulk_from) {
      idle_ms.push_back(ms);
    }
  }
  result.idle_p50_ms = percentile(idle_ms, 0.50);
  result.idle_p99_ms = percentile(idle_ms, 0.99);
  result.live_p50_ms = percentile(live_ms, 0.50);
  result.live_p99_ms = percentile(live_ms, 0.99);
  result.live_max_ms = percentile(live_ms, 1.0);
  result.p99_ratio = result.idle_p99_ms > 0 ? result.live_p99_ms / result.idle_p99_ms : 0;
  result.bulk_ms = ns_to_ms(bulk_to - bulk_from);
  result.idle_samples = static_cast<double>(idle_ms.size());
  result.live_samples = static_cast<double>(live_ms.size());
  result.max_issue_gap_ms = ns_to_ms(max_gap);
  result.overlap = sent > 0 && issued[1] < bulk_from &&
                   issued[sent] + std::chrono::nanoseconds(kLivePeriod).count() >= bulk_to;
  result.ok = clean && all_arrived && held.at("live_seen").get<bool>() &&
              held.at("bulk_held").get<std::size_t>() == settings.bulk_docs;
  return result;
}

}  // namespace

nlohmann::json run_isolation(const IsolationSettings& settings) {
  parse_durability(settings.durability);  // fails before anything is started
  if (settings.bulk_docs == 0) throw std::invalid_argument("isolation: --bulk-docs at least 1");
  std::vector<RunResult> runs, floors;
  for (int run = 0; run < settings.runs; ++run) {
    runs.push_back(run_once(settings, false));
    if (settings.floor) floors.push_back(run_once(settings, true));
  }
  const auto med = [](const std::vector<RunResult>& of, double RunResult::*field) {
    std::vector<double> values;
    for (const auto& r : of) values.push_back(r.*field);
    return median(values);
  };
  const auto ok_all = [](const std::vector<RunResult>& of) {
    return std::all_of(of.begin(), of.end(), [](const RunResult& r) { return r.ok; });
  };
  nlohmann::json per_run = nlohmann::json::array();
  for (const auto& r : runs) per_run.push_back(r.json());
  nlohmann::json out{{"bench", "isolation"},
                     {"devices", settings.devices},
                     {"bulk_docs", settings.bulk_docs},
                     {"doc_bytes", kDocBytes},
                     {"interval_ms", kLivePeriod.count()},
                     {"durability", settings.durability},
                     {"live_p50_ms", med(runs, &RunResult::live_p50_ms)},
                     {"live_p99_ms", med(runs, &RunResult::live_p99_ms)},
                     {"live_max_ms", med(runs, &RunResult::live_max_ms)},
                     {"idle_p50_ms", med(runs, &RunResult::idle_p50_ms)},
                     {"idle_p99_ms", med(runs, &RunResult::idle_p99_ms)},
                     {"p99_ratio", med(runs, &RunResult::p99_ratio)},
                     {"bulk_ms", med(runs, &RunResult::bulk_ms)},
                     {"live_samples", med(runs, &RunResult::live_samples)},
                     {"idle_samples", med(runs, &RunResult::idle_samples)},
                     {"idle_ms", settings.idle_ms},
                     {"ok", ok_all(runs) && ok_all(floors)},
                     {"runs", settings.runs},
                     {"per_run", per_run},
                     {"processes", settings.devices > 0 ? 4 : 3}};
  if (settings.floor) {
    nlohmann::json floor_runs = nlohmann::json::array();
    for (const auto& r : floors) floor_runs.push_back(r.json());
    out["floor"] = {{"live_p50_ms", med(floors, &RunResult::live_p50_ms)},
                    {"live_p99_ms", med(floors, &RunResult::live_p99_ms)},
                    {"idle_p99_ms", med(floors, &RunResult::idle_p99_ms)},
                    {"p99_ratio", med(floors, &RunResult::p99_ratio)},
                    {"bulk_ms", med(floors, &RunResult::bulk_ms)},
                    {"per_run", floor_runs}};
  }
  return out;
}

int run_isolation_peer(const IsolationPeerSettings& settings) {
  // Dies with the benchmark, so a crashed parent never leaves a peer behind.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (settings.parent != 0 && ::getppid() != settings.parent) return 1;
  if (settings.role == "hub") return run_hub(settings);
  if (settings.role == "idle") return run_idle(settings);
  if (settings.role == "live") return run_live(settings);
  if (settings.role == "bulk") return run_bulk(settings);
  throw std::invalid_argument("isolation-peer: no role " + settings.role);
}

}  // namespace crdt::bench
