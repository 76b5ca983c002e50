// HybridLogicalClock: timestamps that follow physical time but never go backwards and respect
// causality (Kulkarni et al., "Logical Physical Clocks", 2014).
//
// Guarantees:
// - `now()` is strictly greater than every stamp this clock returned or observed before, even when
//   the physical source jumps backwards; the logical part absorbs the difference.
// - `observe(remote)` moves the clock past a remote stamp, so a later local stamp exceeds it
//   (causality). A remote stamp more than `max_offset_ms` ahead of the local physical time is not
//   trusted: it is refused (the clock is unchanged) or clamped to the limit, by policy, and counted
//   either way. That keeps a device whose clock says 2099 from dragging every clock it meets.
// - The physical source is injected, so tests can skew it; the default reads the system clock.
// Not thread-safe: one clock per replica, used under the replica's own lock.
#pragma once

#include <chrono>
#include <compare>
#include <cstdint>
#include <functional>
#include <utility>

namespace crdt {

class SerializationAccess;

// Milliseconds of physical time and a logical counter that orders events within one millisecond.
struct HlcStamp {
  std::uint64_t wall_ms = 0;
  std::uint32_t logical = 0;

  // The smallest stamp greater than this one.
  constexpr HlcStamp successor() const {
    if (logical == UINT32_MAX) return HlcStamp{wall_ms + 1, 0};
    return HlcStamp{wall_ms, logical + 1};
  }

  friend constexpr auto operator<=>(const HlcStamp&, const HlcStamp&) = default;
};

enum class ClockSkewPolicy {
  refuse,  // a stamp too far ahead is ignored by the clock
  clamp,   // a stamp too far ahead moves the clock only up to the limit
};

class HybridLogicalClock {
 public:
  using TimeSource = std::function<std::uint64_t()>;  // physical time in milliseconds

  static std::uint64_t system_time_ms() {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
  }

  static constexpr std::uint64_t kDefaultMaxOffsetMs = 60'000;

  HybridLogicalClock() : HybridLogicalClock(&system_time_ms) {}
  explicit HybridLogicalClock(TimeSource source, std::uint64_t max_offset_ms = kDefaultMaxOffsetMs,
                              ClockSkewPolicy policy = ClockSkewPolicy::clamp)
      : source_(std::move(source)), max_offset_ms_(max_offset_ms), policy_(policy) {}

  // A stamp for a local event: greater than anything returned or observed before.
  HlcStamp now() {
    const std::uint64_t physical = source_();
    if (physical > last_.wall_ms) {
      last_ = HlcStamp{physical, 0};
    } else {
      last_ = last_.successor();
    }
    return last_;
  }

  struct Observation {
    bool accepted = true;  // false when refused
    bool clamped = false;  // true when moved only up to the limit
  };

  // Takes a stamp received from another replica into account.
  Observation observe(const HlcStamp& remote) {
    const std::uint64_t physical = source_();
    const std::uint64_t limit =
        physical > UINT64_MAX - max_offset_ms_ ? UINT64_MAX : physical + max_offset_ms_;
    HlcStamp stamp = remote;
    Observation result;
    if (remote.wall_ms > limit) {
      ++skew_events_;
      if (policy_ == ClockSkewPolicy::refuse) {
        result.accepted = false;
        return result;
      }
      stamp = HlcStamp{limit, 0};
      result.clamped = true;
    }
    if (stamp > last_) last_ = stamp;
    return result;
  }

  // A stamp for a local write that must exceed `overwritten` (the value it replaces): the clock's
  // next stamp, or the successor of `overwritten` when a skewed writer put that one further ahead.
  // The clock itself moves only as far as `observe` allows.
  HlcStamp now_after(const HlcStamp& overwritten) {
    observe(overwritten);
    const HlcStamp stamp = now();
    return stamp > overwritten ? stamp : overwritten.successor();
  }

  // The last stamp returned or observed.
  HlcStamp last() const { return last_; }
  // Remote stamps that were too far ahead (refused or clamped).
  std::uint64_t skew_events() const { return skew_events_; }
  std::uint64_t max_offset_ms() const { return max_offset_ms_; }
  ClockSkewPolicy policy() const { return policy_; }

 private:
  TimeSource source_;
  std::uint64_t max_offset_ms_;
  ClockSkewPolicy policy_;
  HlcStamp last_{};
  std::uint64_t skew_events_ = 0;
};

}  // namespace crdt
