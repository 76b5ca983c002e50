// The deterministic simulation: seeded schedules of writes, faults, partitions and crashes on 3-7
// real sync engines over the simulated network (support/sim_cluster.hpp). A failing seed is
// printed with how to replay it, and goes into kRegressionSeeds once fixed.
//
// Two checks per seed, counted apart: the states converge and hold what the acknowledged writes
// say; then every node shows its user the same (list, info, read_any, conflicts). When written,
// the second failed on about half the seeds for two known bugs of src/persist being fixed
// (issue 10): a removed set, cart, text, MV register or causal counter reads as absent on the
// replica that removed it and as present on the others; an id created concurrently with two
// types shows on each node the type that node saw first.
//
// Replay one seed, with the network's trace: CRDT_SIM_SEED=1234 crdt-sim-tests "[replay]"
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "support/sim_cluster.hpp"

using crdt::sync::test::run_schedule;
using crdt::sync::test::ScheduleResult;

namespace {

// Seeds that once failed, kept so the bug they found stays fixed: 10, 34 (equal texts compared
// by bytes that held each replica's own Lamport clock), 96, 119, 133, 161, 217 (type-conflict
// states missed by digest repair).
constexpr std::uint64_t kRegressionSeeds[] = {10, 34, 96, 119, 133, 161, 217};

void run_seeds(std::uint64_t first, std::uint64_t count) {
  std::vector<ScheduleResult> failures;
  std::vector<ScheduleResult> view_failures;
  for (std::uint64_t seed = first; seed < first + count; ++seed) {
    ScheduleResult result = run_schedule(seed);
    if (!result.ok) {
      std::cerr << "simulation FAILED: " << result.failure << "\n  replay: CRDT_SIM_SEED=" << seed
                << " crdt-sim-tests \"[replay]\"\n";
      failures.push_back(std::move(result));
    } else if (!result.views_agree) {
      std::cerr << "simulation FAILED (user views): " << result.view_failure
                << "\n  replay: CRDT_SIM_SEED=" << seed << " crdt-sim-tests \"[replay]\"\n";
      view_failures.push_back(std::move(result));
    }
  }
  {
    INFO(failures.size() << " of " << count
                         << " schedules did not converge or lost acknowledged writes; first seed "
                         << (failures.empty() ? 0 : failures.front().seed));
    CHECK(failures.empty());
  }
  {
    INFO(view_failures.size() << " of " << count
                              << " schedules converged but show users different things; first seed "
                              << (view_failures.empty() ? 0 : view_failures.front().seed) << ": "
                              << (view_failures.empty() ? "" : view_failures.front().view_failure));
    CHECK(view_failures.empty());
  }
}

}  // namespace

TEST_CASE("simulation: seeds 0-249 converge", "[simulation]") { run_seeds(0, 250); }
TEST_CASE("simulation: seeds 250-499 converge", "[simulation]") { run_seeds(250, 250); }
TEST_CASE("simulation: seeds 500-749 converge", "[simulation]") { run_seeds(500, 250); }
TEST_CASE("simulation: seeds 750-999 converge", "[simulation]") { run_seeds(750, 250); }

TEST_CASE("simulation: regression seeds converge", "[simulation]") {
  for (std::uint64_t seed : kRegressionSeeds) {
    const ScheduleResult result = run_schedule(seed);
    INFO(result.failure);
    CHECK(result.ok);
    INFO(result.view_failure);
    CHECK((!result.ok || result.views_agree));
  }
}

TEST_CASE("simulation: a seed replays exactly", "[simulation]") {
  const ScheduleResult first = run_schedule(4242);
  const ScheduleResult second = run_schedule(4242);
  CHECK(first.summary == second.summary);
  CHECK(first.converged_after_ms == second.converged_after_ms);
}

// 20,000 more schedules: label `long`, run by hand (ctest -L long).
TEST_CASE("simulation: 20,000 seeds converge", "[.][long]") {
  constexpr std::uint64_t kFirst = 1'000'000;
  constexpr std::uint64_t kCount = 20'000;
  for (std::uint64_t start = kFirst; start < kFirst + kCount; start += 1000) {
    run_seeds(start, 1000);
    std::cerr << "simulation: " << (start + 1000 - kFirst) << " of " << kCount << " done\n";
  }
}

TEST_CASE("simulation: replay CRDT_SIM_SEED", "[.][replay]") {
  const char* text = std::getenv("CRDT_SIM_SEED");
  if (text == nullptr) {
    WARN("set CRDT_SIM_SEED to the seed to replay");
    return;
  }
  const ScheduleResult result = run_schedule(std::stoull(text), {}, true);
  std::cerr << result.summary << "\n";
  INFO(result.failure);
  CHECK(result.ok);
  INFO(result.view_failure);
  CHECK((!result.ok || result.views_agree));
}
