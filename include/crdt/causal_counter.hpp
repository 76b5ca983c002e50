// CausalCounter: a counter whose every increment and decrement is its own event (dot), so that a
// reset, or the removal of its key from an ORMap, cancels exactly the events it observed
// (the causal counter of the delta-state paper, without folding a replica's events together).
//
// Guarantees:
// - `value()` is the sum of the amounts of the live events.
// - A reset (or a map remove) cancels the events it observed and nothing else: an increment
//   concurrent with it survives with its own amount only. This is why events are never folded
//   into one cumulative dot per replica: a concurrent fold would resurrect observed amounts.
// - Every state change issues a dot, resets included, so two states with the same context are
//   equal and `delta_since` of a caught-up peer is bottom. An amount of zero changes nothing and
//   returns bottom (no dot, so an ORMap key is not created by it).
// - Overflow: a local increment or decrement whose result, on this replica, would lie outside the
//   int64 range throws std::overflow_error and changes nothing (one that moves an already
//   out-of-range total back towards the range is accepted). decrement(r, INT64_MIN) is valid when
//   its result fits: its amount, 2^63, has no int64 form, so it is issued as two dots
//   (INT64_MAX and 1) in one delta.
// - Concurrent events from several replicas can add up beyond the int64 range after a merge; the
//   state keeps every amount exactly, and `value()` saturates at INT64_MAX / INT64_MIN.
// - Memory: one dot and one int64 per live event, plus the compacted context.
// Complexity: increment/decrement O(e + |context|) for e live events (the overflow check sums
// them); reset O(e); merge O(e + e'); value O(e).
#pragma once

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <utility>

#include "crdt/causal/replica_id.hpp"
#include "crdt/causal/version_vector.hpp"
#include "crdt/causal_state.hpp"
#include "crdt/dot_store.hpp"
#include "crdt/dotted.hpp"
#include "crdt/dotted_value.hpp"
#include "crdt/lattice.hpp"

namespace crdt {

class SerializationAccess;

namespace detail {

// An exact sum of int64 amounts, hi * 2^64 + lo; hi cannot overflow with fewer than 2^63 terms.
class ExactTotal {
 public:
  void add(std::int64_t amount) {
    const std::uint64_t before = lo_;
    lo_ += static_cast<std::uint64_t>(amount);
    if (amount >= 0 && lo_ < before) ++hi_;
    // A negative amount is added as 2^64 + amount; no wrap-around means the 2^64 is still in lo.
    if (amount < 0 && lo_ > before) --hi_;
  }

  bool above_range() const { return hi_ > 0 || (hi_ == 0 && lo_ > kMax); }
  bool below_range() const { return hi_ < -1 || (hi_ == -1 && lo_ <= kMax); }
  bool in_range() const { return !above_range() && !below_range(); }

  std::int64_t saturated() const {
    if (above_range()) return std::numeric_limits<std::int64_t>::max();
    if (below_range()) return std::numeric_limits<std::int64_t>::min();
    return static_cast<std::int64_t>(lo_);  // modular since C++20: hi == -1 gives the negative
  }

 private:
  static constexpr std::uint64_t kMax =
      static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  std::int64_t hi_ = 0;
  std::uint64_t lo_ = 0;
};

}  // namespace detail

class CausalCounter : public DottedValue<CausalCounter, DotFun<std::int64_t>> {
  using Base = DottedValue<CausalCounter, DotFun<std::int64_t>>;

 public:
  using value_type = std::int64_t;
  using Base::Base;

  // Adds `n` (which may be negative) as one new event. Throws std::overflow_error as described
  // above; bottom when n == 0.
  CausalCounter increment(ReplicaId replica, std::int64_t n = 1) {
    if (n == 0) return CausalCounter{};
    return add_events(replica, n, 0);
  }

  // Subtracts `n` (which may be negative) as one new event (two for n == INT64_MIN). Throws
  // std::overflow_error as described above; bottom when n == 0.
  CausalCounter decrement(ReplicaId replica, std::int64_t n = 1) {
    if (n == 0) return CausalCounter{};
    if (n == std::numeric_limits<std::int64_t>::min()) {
      return add_events(replica, std::numeric_limits<std::int64_t>::max(), 1);
    }
    return add_events(replica, -n, 0);
  }

  // Cancels every event observed here, so the value reads 0 until new events arrive; bottom if
  // there is none. Events concurrent with the reset survive.
  CausalCounter reset(ReplicaId replica) {
    if (store().empty()) return CausalCounter{};
    return apply(CausalCounter(State::delta(Store{}, dots_of(store()), state_.next_dot(replica))));
  }

  // The sum of the live events, saturated at the int64 limits.
  std::int64_t value() const { return total().saturated(); }

  friend bool operator==(const CausalCounter&, const CausalCounter&) = default;

 private:
  friend class SerializationAccess;

  detail::ExactTotal total() const {
    detail::ExactTotal sum;
    for (const auto& [dot, amount] : store()) sum.add(amount);
    return sum;
  }

  // Issues `first` and, when non-zero, `second` (same sign as `first`) as new events.
  CausalCounter add_events(ReplicaId replica, std::int64_t first, std::int64_t second) {
    const detail::ExactTotal before = total();
    detail::ExactTotal after = before;
    after.add(first);
    after.add(second);
    const bool up = first > 0;
    if (!after.in_range() && !(before.above_range() && !up) && !(before.below_range() && up)) {
      throw std::overflow_error("crdt::CausalCounter: the value would leave the int64 range");
    }
    Dot dot = state_.next_dot(replica);
    if (second != 0 && dot.counter == std::numeric_limits<std::uint64_t>::max()) {
      throw std::overflow_error("crdt::CausalCounter: the replica has no dot counter left");
    }
    Store events;
    VersionVector issued;
    events.emplace(dot, first);
    issued.add(dot);
    if (second != 0) {
      ++dot.counter;
      events.emplace(dot, second);
      issued.add(dot);
    }
    return apply(CausalCounter(State::delta(std::move(events), VersionVector{}, issued)));
  }
};

static_assert(DeltaCrdt<CausalCounter>);
static_assert(DottedCrdt<CausalCounter>);

}  // namespace crdt
