// crdt-bench: replays real editing traces through crdt::Text and prints one JSON line of results,
// each figure the median of the runs. Not a test: it asserts nothing and times everything.
//
//   crdt-bench text TRACE.json.gz [--runs N]        a sequential trace, one replica
//   crdt-bench concurrent TRACE.json.gz [--runs N]  a concurrent trace, forked and merged as its
//                                                   parents say
//   crdt-bench sync | catchup | restart | fanout | isolation
//                                                   nodes syncing over 127.0.0.1 (sync_bench.hpp)
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <crdt/serialization/codec.hpp>
#include <crdt/serialization/text.hpp>
#include <crdt/text.hpp>

#include "sync_bench.hpp"
#include "trace.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using crdt::ReplicaId;
using crdt::Text;
using crdt::bench::Trace;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

// Applies one transaction's patches locally; returns the deltas when asked for them.
void apply(Text& text, ReplicaId replica, const crdt::bench::Transaction& txn,
           std::vector<Text>* deltas) {
  for (const auto& patch : txn.patches) {
    if (patch.deleted > 0) {
      Text d = text.erase(replica, patch.pos, patch.deleted);
      if (deltas != nullptr) deltas->push_back(std::move(d));
    }
    if (!patch.inserted.empty()) {
      Text d = text.insert(replica, patch.pos, patch.inserted);
      if (deltas != nullptr) deltas->push_back(std::move(d));
    }
  }
}

nlohmann::json bench_text(const Trace& trace, int runs) {
  const ReplicaId replica(0x5eed);
  std::vector<double> local, load, merge;
  std::size_t encode_bytes = 0, mem_bytes = 0;
  bool ok = true;
  for (int run = 0; run < runs; ++run) {
    auto start = Clock::now();
    Text text;
    for (const auto& txn : trace.transactions) apply(text, replica, txn, nullptr);
    local.push_back(ms_since(start));
    ok = ok && text.str() == trace.end_content;
    mem_bytes = text.memory_bytes();

    const auto bytes = crdt::serialization::encode(text);
    encode_bytes = bytes.size();
    start = Clock::now();
    auto decoded = crdt::serialization::decode<Text>(bytes);
    const std::string loaded = decoded ? decoded.value().str() : std::string();
    load.push_back(ms_since(start));
    if (!decoded) std::cerr << "crdt-bench: decode failed: " << decoded.message() << '\n';
    ok = ok && loaded == trace.end_content;

    std::vector<Text> deltas;
    Text source;
    for (const auto& txn : trace.transactions) apply(source, replica, txn, &deltas);
    start = Clock::now();
    Text remote;
    for (const Text& d : deltas) remote.merge(d);
    merge.push_back(ms_since(start));
    ok = ok && remote.str() == trace.end_content;
  }
  return {{"trace", trace.name},       {"edits", trace.patch_count()}, {"ok", ok},
          {"local_ms", median(local)}, {"encode_bytes", encode_bytes}, {"load_ms", median(load)},
          {"merge_ms", median(merge)}, {"mem_bytes", mem_bytes},       {"runs", runs}};
}

nlohmann::json bench_concurrent(const Trace& trace, int runs) {
  const std::size_t n = trace.transactions.size();
  // The last transaction that names each one as a parent, so branches are dropped when done.
  std::vector<std::size_t> last_use(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t p : trace.transactions[i].parents) last_use[p] = std::max(last_use[p], i);
  }
  std::vector<double> times;
  bool ok = true;
  std::size_t replicas = 0;
  for (int run = 0; run < runs; ++run) {
    const auto start = Clock::now();
    std::map<std::size_t, Text> states;
    std::map<std::size_t, std::uint64_t> issued;  // per agent: highest dot counter issued
    std::uint64_t fresh = 1'000'000;
    Text everything;
    replicas = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const auto& txn = trace.transactions[i];
      Text state;
      if (!txn.parents.empty()) {
        // A branch that goes on from its parent's last use takes the parent over; only a real
        // fork copies.
        const std::size_t first = txn.parents.front();
        auto parent = states.find(first);
        if (parent == states.end())
          throw std::runtime_error("trace: parent used after its last use");
        const bool again =
            std::find(txn.parents.begin() + 1, txn.parents.end(), first) != txn.parents.end();
        if (last_use[first] == i && !again) {
          state = std::move(parent->second);
          states.erase(parent);
        } else {
          state = parent->second;
        }
        for (std::size_t k = 1; k < txn.parents.size(); ++k) state.merge(states.at(txn.parents[k]));
      }
      // An agent keeps its id while its history is linear; a branch that forks from before its
      // latest edit writes under a fresh id, so no dot is ever issued twice.
      ReplicaId id(txn.agent + 1);
      if (state.context().max(id) != issued[txn.agent]) id = ReplicaId(++fresh);
      apply(state, id, txn, nullptr);
      if (id.value() == txn.agent + 1) issued[txn.agent] = state.context().max(id);
      for (std::size_t p : txn.parents) {
        if (last_use[p] == i) states.erase(p);
      }
      if (last_use[i] > i) {
        states.emplace(i, std::move(state));
      } else {
        everything.merge(state);
      }
      replicas = std::max(replicas, states.size());
    }
    times.push_back(ms_since(start));
    ok = ok && everything.str() == trace.end_content;
  }
  return {{"trace", trace.name},  {"txns", n},   {"ok", ok}, {"ms", median(times)},
          {"replicas", replicas}, {"runs", runs}};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"crdt-bench: editing traces through crdt::Text; nodes syncing over 127.0.0.1"};
  app.require_subcommand(1);
  std::string path;
  int runs = 5;
  auto* text = app.add_subcommand("text", "replay a sequential trace");
  auto* concurrent = app.add_subcommand("concurrent", "replay a concurrent trace");
  for (auto* sub : {text, concurrent}) {
    sub->add_option("trace", path, "trace file (.json.gz)")->required();
    sub->add_option("--runs", runs, "runs; each figure is the median")->check(CLI::Range(1, 1000));
  }
  const auto network = crdt::bench::add_network_benches(app);
  CLI11_PARSE(app, argc, argv);
  if (const auto code = network()) return *code;
  try {
    const Trace trace = crdt::bench::load_trace(path);
    const auto result = text->parsed() ? bench_text(trace, runs) : bench_concurrent(trace, runs);
    std::cout << result.dump() << '\n';
    return result.at("ok").get<bool>() ? EXIT_SUCCESS : EXIT_FAILURE;
  } catch (const std::exception& e) {
    std::cerr << "crdt-bench: " << e.what() << '\n';
    return EXIT_FAILURE;
  }
}
