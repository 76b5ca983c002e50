// PNCounter: a counter that replicas increment and decrement concurrently (the PN-Counter of the
// delta-state paper, Almeida, Shoker, Baquero 2018).
//
// Guarantees:
// - Each replica owns one entry {increments, decrements, seq}; only that replica changes it, and
//   only upwards, so the join (the per-component maximum) keeps the latest version of every
//   entry. `value()` is the sum of all increments minus the sum of all decrements.
// - `seq` counts the operations of the entry's owner, so the version of an entry is named like a
//   run of dots: `context()` is {r: [1..seq]} for every replica. `delta_since(known)` ships the
//   entries whose seq the peer has not seen, and two states with the same context are equal.
// - A PNCounter cannot be reset by a remove; inside an ORMap use CausalCounter.
// Overflow: an increment that would overflow its replica's uint64 total, or push `value()` above
// INT64_MAX as this replica sees it, throws std::overflow_error and changes nothing; likewise a
// decrement for the replica's decrement total and INT64_MIN. Concurrent operations on different
// replicas can still carry a merged state beyond the int64 range (each was fine where it was
// made); `value()` then saturates at INT64_MAX or INT64_MIN, and the exact totals stay available
// per replica.
// Errors: an invalid (zero) ReplicaId throws std::invalid_argument. An operation of amount 0
// changes nothing and returns bottom.
// Complexity: with R replicas in the state, a mutator is O(R) (the overflow check sums the
// totals), merge O(R_other log R), value O(R). A value type: not thread-safe.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <stdexcept>

#include "crdt/causal/replica_id.hpp"
#include "crdt/causal/version_vector.hpp"
#include "crdt/detail/owned_entries.hpp"
#include "crdt/detail/wide_sum.hpp"
#include "crdt/lattice.hpp"

namespace crdt {

class SerializationAccess;

class PNCounter {
 public:
  // One replica's totals; `seq` is the number of operations that replica made.
  struct Entry {
    std::uint64_t increments = 0;
    std::uint64_t decrements = 0;
    std::uint64_t seq = 0;
    friend bool operator==(const Entry&, const Entry&) = default;
  };
  using Entries = std::map<ReplicaId, Entry>;

  PNCounter() = default;

  // Adds `n`; returns the delta (this replica's new entry), bottom when n == 0.
  PNCounter increment(ReplicaId replica, std::uint64_t n = 1) {
    Entry next = next_entry(replica);
    if (n == 0) return PNCounter{};
    if (n > UINT64_MAX - next.increments) {
      throw std::overflow_error("crdt: PNCounter increment overflows the replica's total");
    }
    if (!detail::fits_int64(0, total_increments() + n, total_decrements())) {
      throw std::overflow_error("crdt: PNCounter increment takes the value above INT64_MAX");
    }
    next.increments += n;
    return apply(replica, next);
  }

  // Subtracts `n`; returns the delta (this replica's new entry), bottom when n == 0.
  PNCounter decrement(ReplicaId replica, std::uint64_t n = 1) {
    Entry next = next_entry(replica);
    if (n == 0) return PNCounter{};
    if (n > UINT64_MAX - next.decrements) {
      throw std::overflow_error("crdt: PNCounter decrement overflows the replica's total");
    }
    if (!detail::fits_int64(0, total_increments(), total_decrements() + n)) {
      throw std::overflow_error("crdt: PNCounter decrement takes the value below INT64_MIN");
    }
    next.decrements += n;
    return apply(replica, next);
  }

  void merge(const PNCounter& other) {
    for (const auto& [replica, theirs] : other.entries_) {
      Entry& mine = entries_[replica];
      mine.increments = std::max(mine.increments, theirs.increments);
      mine.decrements = std::max(mine.decrements, theirs.decrements);
      mine.seq = std::max(mine.seq, theirs.seq);
    }
  }

  // {r: [1..seq]} for every replica with an entry.
  VersionVector context() const { return detail::entries_context(entries_); }

  // The entries whose version the peer at `known` has not seen; bottom when it has seen all.
  PNCounter delta_since(const VersionVector& known) const {
    PNCounter out;
    out.entries_ = detail::entries_since(entries_, known);
    return out;
  }

  // Sum of increments minus sum of decrements, saturated at the int64 limits.
  std::int64_t value() const {
    return detail::saturated_int64(0, total_increments(), total_decrements());
  }

  std::uint64_t increments(ReplicaId replica) const { return find(replica).increments; }
  std::uint64_t decrements(ReplicaId replica) const { return find(replica).decrements; }
  const Entries& entries() const { return entries_; }

  bool empty() const { return entries_.empty(); }

  // Every entry belongs to a valid replica and records at least one operation.
  bool well_formed() const {
    return std::all_of(entries_.begin(), entries_.end(),
                       [](const auto& item) { return item.first.valid() && item.second.seq >= 1; });
  }

  friend bool operator==(const PNCounter&, const PNCounter&) = default;

 private:
  friend class SerializationAccess;

  Entry find(ReplicaId replica) const {
    auto it = entries_.find(replica);
    return it == entries_.end() ? Entry{} : it->second;
  }

  // The replica's entry with the next operation counted; checks the arguments common to all
  // mutators before anything changes.
  Entry next_entry(ReplicaId replica) const {
    if (!replica.valid()) throw std::invalid_argument("crdt: PNCounter needs a valid ReplicaId");
    Entry entry = find(replica);
    if (entry.seq == UINT64_MAX) {
      throw std::overflow_error("crdt: PNCounter replica has no operation counter left");
    }
    ++entry.seq;
    return entry;
  }

  PNCounter apply(ReplicaId replica, const Entry& entry) {
    PNCounter delta;
    delta.entries_.emplace(replica, entry);
    merge(delta);
    return delta;
  }

  detail::WideSum total_increments() const {
    detail::WideSum sum;
    for (const auto& [replica, entry] : entries_) sum += entry.increments;
    return sum;
  }

  detail::WideSum total_decrements() const {
    detail::WideSum sum;
    for (const auto& [replica, entry] : entries_) sum += entry.decrements;
    return sum;
  }

  Entries entries_;
};

static_assert(DeltaCrdt<PNCounter>);

}  // namespace crdt
