// crdt-bench catchup: a device that was offline while its hub changed reconnects.
//
// What is measured. One process, two Nodes (hub and device), each with its own store file, over
// 127.0.0.1. The hub holds D documents "doc/<d>", each an LWWRegister<int64> set to 0; the device
// syncs them once and stops its node (offline). The hub then makes N updates: update j sets
// document "doc/<(j - 1) % T>" to j, T = D * touched (all D by default), written in batches of
// 1,000 per transaction (setup, not timed). Then the device opens its node again:
// - ms: from Node::open on the device to Node::wait_synced returning (both sides have what the
//   other held when the session began); open_ms: Node::open alone.
// - converged_ms: from the same start until every document on the device reads the value the hub
//   last set (re-read every 2 ms); ok: that already held when wait_synced returned, and
//   stale_at_synced: how many documents did not.
// - bytes_to_device / bytes_from_device: the device's session link stats (bytes received / sent,
//   framing included) for that reconnection. items_received, digest_rounds and digest_bytes
//   (both ways) come from the device's session progress: how the engine caught up.
// - bytes_full_state: the sum over the hub's documents of their whole encoded state
//   (Store::encoded): what a naive full-state resync would ship; bytes_touched_state: the same
//   for the documents the updates touched.
//
// The setup writes go through node.store() (batched), not Node::update, so the hub's engine learns
// of them from its log poll (NodeOptions::poll_interval); the bench waits --settle-ms after each
// setup step before the device connects, so the engine is measured on writes it has seen.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include <crdt/lww_register.hpp>
#include <crdt/serialization/all.hpp>
#include <crdt/sync/node.hpp>

#include "net_support.hpp"
#include "network_benches.hpp"

namespace crdt::bench {

namespace {

using Register = LWWRegister<std::int64_t>;
using std::chrono::milliseconds;
constexpr std::size_t kPerBatch = 1000;
constexpr milliseconds kSyncTimeout{120000};

std::string doc_id(std::size_t d) { return "doc/" + std::to_string(d); }

// Sets documents[k] to values[k] for every k, kPerBatch per transaction.
void set_all(sync::Node& node, const std::vector<std::size_t>& documents,
             const std::vector<std::int64_t>& values) {
  node.store().with_store([&](persist::Store& store) {
    for (std::size_t first = 0; first < documents.size(); first += kPerBatch) {
      store.batch([&](persist::Batch& batch) {
        const std::size_t end = std::min(documents.size(), first + kPerBatch);
        for (std::size_t k = first; k < end; ++k) {
          batch.update<Register>(doc_id(documents[k]), [&](Register& r, persist::Writer& w) {
            return r.set(w.replica(), w.clock(), values[k]);
          });
        }
      });
    }
  });
}

std::uint64_t encoded_bytes(sync::Node& node, std::size_t docs) {
  return node.store().with_store([&](persist::Store& store) {
    std::uint64_t bytes = 0;
    for (std::size_t d = 0; d < docs; ++d) {
      if (const auto frame = store.replication().encoded(doc_id(d))) bytes += frame->size();
    }
    return bytes;
  });
}

struct RunResult {
  double initial_sync_ms = 0;
  double open_ms = 0;
  double ms = 0;
  double converged_ms = 0;  // -1: not within kSyncTimeout
  double stale_at_synced = 0;
  double bytes_to_device = 0;
  double bytes_from_device = 0;
  double items_received = 0;
  double digest_rounds = 0;
  double digest_bytes = 0;
  std::uint64_t bytes_full_state = 0;
  std::uint64_t bytes_touched_state = 0;
  bool ok = false;
};

RunResult run_once(const CatchupSettings& settings, std::size_t touched_docs) {
  const ScratchDir scratch;
  const auto durability = parse_durability(settings.durability);
  const auto settle = [&] { std::this_thread::sleep_for(milliseconds(settings.settle_ms)); };
  auto hub_options = node_options(settings.verbose, "hub");
  hub_options.listen = {loopback(0)};
  auto hub =
      sync::Node::open(scratch.file("hub.db"), std::move(hub_options), store_options(durability));
  std::vector<std::size_t> all(settings.docs);
  for (std::size_t d = 0; d < settings.docs; ++d) all[d] = d;
  set_all(*hub, all, std::vector<std::int64_t>(settings.docs, 0));
  settle();

  auto device_options = node_options(settings.verbose, "device");
  device_options.peers = {hub->bound().front()};
  RunResult result;
  {
    const auto start = Clock::now();
    auto device =
        sync::Node::open(scratch.file("device.db"), device_options, store_options(durability));
    if (!device->wait_synced(kSyncTimeout)) throw std::runtime_error("catchup: no initial sync");
    result.initial_sync_ms = ms_between(start, Clock::now());
    const auto held = device->store().with_store([](persist::Store& s) { return s.list().size(); });
    if (held != settings.docs) {
      throw std::runtime_error("catchup: after its first sync the device holds " +
                               std::to_string(held) + " of " + std::to_string(settings.docs) +
                               " documents");
    }
  }

  std::vector<std::size_t> documents(settings.updates);
  std::vector<std::int64_t> values(settings.updates);
  std::vector<std::int64_t> expected(settings.docs, 0);
  for (std::uint64_t j = 1; j <= settings.updates; ++j) {
    documents[j - 1] = static_cast<std::size_t>((j - 1) % touched_docs);
    values[j - 1] = static_cast<std::int64_t>(j);
    expected[documents[j - 1]] = values[j - 1];
  }
  set_all(*hub, documents, values);
  settle();

  const auto start = Clock::now();
  auto device =
      sync::Node::open(scratch.file("device.db"), device_options, store_options(durability));
  const auto opened = Clock::now();
  if (!device->wait_synced(kSyncTimeout)) throw std::runtime_error("catchup: no catch-up sync");
  const auto synced = Clock::now();
  result.open_ms = ms_between(start, opened);
  result.ms = ms_between(start, synced);
  for (const auto& session : device->sessions()) {
    result.bytes_to_device += static_cast<double>(session.link.bytes_received);
    result.bytes_from_device += static_cast<double>(session.link.bytes_sent);
    result.items_received += static_cast<double>(session.progress.items_received);
    result.digest_rounds += static_cast<double>(session.progress.digest_rounds);
    result.digest_bytes += static_cast<double>(session.progress.digest_bytes_sent +
                                               session.progress.digest_bytes_received);
  }
  // wait_synced is the engine's word; the reads are the truth. Stale documents are re-read until
  // they match, so a wait_synced that returned early shows as converged_ms > ms.
  std::vector<std::size_t> stale(all);
  const auto converged = [&] {
    std::erase_if(stale, [&](std::size_t d) {
      const auto state = device->read<Register>(doc_id(d));
      return state && state->value() == expected[d];
    });
    return stale.empty();
  };
  result.ok = converged();
  result.stale_at_synced = static_cast<double>(stale.size());
  const auto deadline = Clock::now() + kSyncTimeout;
  while (!converged() && Clock::now() < deadline) std::this_thread::sleep_for(milliseconds(2));
  result.converged_ms = result.ok       ? result.ms
                        : stale.empty() ? ms_between(start, Clock::now())
                                        : -1;
  device->stop();
  result.bytes_full_state = encoded_bytes(*hub, settings.docs);
  result.bytes_touched_state = encoded_bytes(*hub, touched_docs);
  return result;
}

}  // namespace

nlohmann::json run_catchup(const CatchupSettings& settings) {
  if (settings.docs == 0) throw std::invalid_argument("catchup: --docs must be at least 1");
  if (settings.touched <= 0 || settings.touched > 1) {
    throw std::invalid_argument("catchup: --touched is a fraction in (0, 1]");
  }
  const auto touched_docs = std::clamp<std::size_t>(
      static_cast<std::size_t>(static_cast<double>(settings.docs) * settings.touched + 0.5), 1,
      settings.docs);
  std::vector<RunResult> runs;
  for (int run = 0; run < settings.runs; ++run) runs.push_back(run_once(settings, touched_docs));
  const auto med = [&](double RunResult::*field) {
    std::vector<double> values;
    for (const auto& r : runs) values.push_back(r.*field);
    return median(values);
  };
  const bool ok = std::all_of(runs.begin(), runs.end(), [](const RunResult& r) { return r.ok; });
  return nlohmann::json{{"bench", "catchup"},
                        {"docs", settings.docs},
                        {"updates", settings.updates},
                        {"touched", settings.touched},
                        {"touched_docs", touched_docs},
                        {"ms", med(&RunResult::ms)},
                        {"open_ms", med(&RunResult::open_ms)},
                        {"converged_ms", med(&RunResult::converged_ms)},
                        {"stale_at_synced", med(&RunResult::stale_at_synced)},
                        {"bytes_to_device", med(&RunResult::bytes_to_device)},
                        {"bytes_from_device", med(&RunResult::bytes_from_device)},
                        {"bytes_full_state", runs.back().bytes_full_state},
                        {"bytes_touched_state", runs.back().bytes_touched_state},
                        {"items_received", med(&RunResult::items_received)},
                        {"digest_rounds", med(&RunResult::digest_rounds)},
                        {"digest_bytes", med(&RunResult::digest_bytes)},
                        {"initial_sync_ms", med(&RunResult::initial_sync_ms)},
                        {"settle_ms", settings.settle_ms},
                        {"durability", settings.durability},
                        {"ok", ok},
                        {"runs", settings.runs},
                        {"processes", 1}};
}

}  // namespace crdt::bench
