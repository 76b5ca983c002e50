// Backoff: how long to wait before the next reconnection attempt.
//
// Exponential (doubling from `min` up to `max`) with "equal jitter": the wait is drawn uniformly
// from [d/2, d], so a hub that restarts is not hit by every device at the same instant, and a
// wait never falls below half the nominal one. Deterministic given its seed (simulation).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>

namespace crdt::sync {

class Backoff {
 public:
  Backoff(std::chrono::milliseconds min, std::chrono::milliseconds max, std::uint64_t seed)
      : min_(std::max<std::int64_t>(1, min.count())),
        max_(std::max<std::int64_t>(min_, max.count())),
        random_(seed) {}

  std::chrono::milliseconds next() {
    std::int64_t nominal = min_;
    for (unsigned i = 0; i < failures_ && nominal < max_; ++i) nominal *= 2;
    nominal = std::min(nominal, max_);
    ++failures_;
    std::uniform_int_distribution<std::int64_t> jitter(nominal / 2, nominal);
    return std::chrono::milliseconds(jitter(random_));
  }
  void reset() { failures_ = 0; }
  unsigned failures() const { return failures_; }

 private:
  std::int64_t min_;
  std::int64_t max_;
  unsigned failures_ = 0;
  std::mt19937_64 random_;
};

}  // namespace crdt::sync
