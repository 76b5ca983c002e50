// SimCluster: 3 to 7 nodes, each a real SyncEngine over a real SQLite file, on the simulated
// network, driven by one seed: random writes on every document type, faults, partitions that
// heal, crashes with restart from the file. run() returns what went wrong, if anything, with the
// seed to replay it.
//
// A third of the seeds also bound every node's delta log (retention by bytes and age, truncation
// on acknowledgement or not, early folds) and truncate and compact the logs of running nodes.
//
// Checked at the end, after healing and quiescence: every node holds the same states (documents
// and type-conflict states alike, compared by the types' operator==), and every
// acknowledged write is there (its events are in the causal context of its document on every
// node). Then every node's values against a model of the acknowledged writes (counters' totals,
// elements added and never removed, the latest LWW write, values written, characters inserted
// and not erased), and what a user reads on every node: list(), info() and read_any() of every
// id, and conflicts().
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
  bool ok = false;           // the states converged and hold what the acknowledged writes say
  std::string failure;       // what differed, when !ok
  bool views_agree = false;  // users of every node read the same (checked when ok)
  std::string view_failure;  // what differed, when ok && !views_agree
  std::string summary;       // topology, nodes, counts
  std::uint64_t converged_after_ms = 0;
};

ScheduleResult run_schedule(std::uint64_t seed, const ScheduleSize& size = {}, bool trace = false);

}  // namespace crdt::sync::test
