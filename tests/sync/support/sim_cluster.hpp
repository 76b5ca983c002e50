// SimCluster: 3 to 7 nodes, each a real SyncEngine over a real SQLite file, on the simulated
// network, driven by one seed: random writes on every document type, faults, partitions that
// heal, crashes with restart from the file. run() returns what went wrong, if anything, with the
// seed to replay it.
//
// Checked at the end, after healing and quiescence: every node holds the same states (documents
// and type-conflict states alike, compared by the types' operator==), and every
// acknowledged write is there (its events are in the causal context of its document on every
// node).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace crdt::sync::test {

struct ScheduleSize {
  int min_nodes = 3;
  int max_nodes = 7;
  int operations = 60;               // writes over the whole schedule
  std::uint64_t active_ms = 4000;    // virtual time during which writes and faults happen
  std::uint64_t settle_ms = 120000;  // the most virtual time allowed to converge after healing
};

struct ScheduleResult {
  std::uint64_t seed = 0;
  bool ok = false;
  std::string failure;  // what differed, when !ok
  std::string summary;  // topology, nodes, counts
  std::uint64_t converged_after_ms = 0;
};

ScheduleResult run_schedule(std::uint64_t seed, const ScheduleSize& size = {}, bool trace = false);

}  // namespace crdt::sync::test
