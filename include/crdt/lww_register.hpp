// LWWRegister<T>: a last-writer-wins register whose order is total and deterministic, and which
// says how many writes it discarded.
//
// Guarantees:
// - Writes are ordered by (stamp, writer replica, dot counter), lexicographically. Equal
//   hybrid-logical-clock stamps are broken by the writer's replica id, so every replica picks the
//   same winner whatever order it merges in (the LWW register of delta-enabled-crdts does not,
//   and its replicas diverge on equal timestamps).
// - The state is the winning write {value, stamp, dot, seen} and a causal context holding the dot
//   of every write merged so far. `seen` is the writer's context just before its write: the writes
//   it replaced knowingly. The merge is the union of the contexts and the greater of the winners,
//   a join.
// - `discarded()` counts the write dots in the context that are neither the winner's dot nor in
//   the winner's `seen`: writes whose values the current value replaced without its writer having
//   seen them. It is a function of (context, winner) only; the context is a union and the winner a
//   maximum, so every replica that has merged the same writes reports the same number, whatever
//   the order and however often deltas were duplicated. It counts writes, not writers: a
//   concurrent writer that wrote twice contributes 2, its earlier write too, although its own
//   later write replaced that one. A write made after seeing every other write brings it to 0.
// - Clock skew: `set` stamps a write with `clock.now_after(current stamp)`, so a write always
//   exceeds the value it overwrites, even one written by a device whose clock is far ahead. The
//   clock itself moves only as far as its maximum offset allows (HybridLogicalClock refuses or
//   clamps the far stamp and counts it in skew_events()), so a device set to 2099 cannot drag the
//   clocks of the others forward. Its writes still beat concurrent writes made elsewhere until
//   real time catches up, which `discarded()` makes visible.
// - `delta_since(known)` is bottom when the peer has seen every write; else it carries the winner
//   if the peer lacks it, and the write dots the peer lacks.
// Errors: an invalid (zero) ReplicaId throws std::invalid_argument; a replica that has used its
// last dot counter throws std::overflow_error.
// Complexity: set, merge and discarded are O(size of the contexts); set copies the value twice
// (the delta and the state). A value type: not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>

#include "crdt/causal/dot.hpp"
#include "crdt/causal/hybrid_logical_clock.hpp"
#include "crdt/causal/replica_id.hpp"
#include "crdt/causal/version_vector.hpp"
#include "crdt/lattice.hpp"

namespace crdt {

class SerializationAccess;

template <class T>
class LWWRegister {
 public:
  using value_type = T;

  // One write. `seen` is the context of the writer's register just before the write.
  struct Write {
    T value;
    HlcStamp stamp;
    Dot dot;
    VersionVector seen;
    friend bool operator==(const Write&, const Write&) = default;
  };

  LWWRegister() = default;

  // Writes `value`; returns the delta {the write, context {its dot}}. The write's stamp exceeds the
  // current winner's stamp, so it replaces the value read here.
  LWWRegister set(ReplicaId replica, HybridLogicalClock& clock, T value) {
    if (!replica.valid()) throw std::invalid_argument("crdt: LWWRegister needs a valid ReplicaId");
    const Dot dot = context_.next_dot(replica);
    const HlcStamp stamp = winner_ ? clock.now_after(winner_->stamp) : clock.now();
    LWWRegister delta;
    delta.winner_.emplace(Write{std::move(value), stamp, dot, context_});
    delta.context_.add(dot);
    merge(delta);
    return delta;
  }

  void merge(const LWWRegister& other) {
    context_.merge(other.context_);
    if (other.winner_ && (!winner_ || precedes(*winner_, *other.winner_))) {
      winner_ = other.winner_;
    }
  }

  LWWRegister delta_since(const VersionVector& known) const {
    if (context_.subset_of(known)) return LWWRegister{};
    LWWRegister out;
    if (winner_ && !known.contains(winner_->dot)) out.winner_ = winner_;
    out.context_ = context_.difference(known);
    return out;
  }

  // The current value, nullptr if there is none.
  const T* get() const { return winner_ ? &winner_->value : nullptr; }
  std::optional<T> value() const {
    return winner_ ? std::optional<T>(winner_->value) : std::nullopt;
  }
  // The winner's stamp and writer; zero values if there is no winner.
  HlcStamp stamp() const { return winner_ ? winner_->stamp : HlcStamp{}; }
  ReplicaId writer() const { return winner_ ? winner_->dot.replica : ReplicaId{}; }
  const std::optional<Write>& winner() const { return winner_; }

  // Writes replaced without the winner's writer having seen them (see the top of this file).
  std::uint64_t discarded() const {
    if (!winner_) return context_.count();
    VersionVector unseen = context_.difference(winner_->seen);
    unseen.remove(winner_->dot);
    return unseen.count();
  }

  const VersionVector& context() const { return context_; }
  bool empty() const { return !winner_ && context_.empty(); }

  // The winner's dot is in the context and its `seen` holds nothing its writer could not have
  // seen (no dot of its own at or after the write). `seen` need not be in the context: a delta
  // carries only the dots its receiver lacks.
  bool well_formed() const {
    if (!context_.well_formed()) return false;
    if (!winner_) return true;
    const Write& w = *winner_;
    return context_.contains(w.dot) && w.seen.well_formed() &&
           w.seen.max(w.dot.replica) < w.dot.counter;
  }

  friend bool operator==(const LWWRegister&, const LWWRegister&) = default;

 private:
  friend class SerializationAccess;

  static bool precedes(const Write& a, const Write& b) {
    return std::tie(a.stamp, a.dot.replica, a.dot.counter) <
           std::tie(b.stamp, b.dot.replica, b.dot.counter);
  }

  std::optional<Write> winner_;
  VersionVector context_;
};

static_assert(DeltaCrdt<LWWRegister<std::string>>);

}  // namespace crdt
