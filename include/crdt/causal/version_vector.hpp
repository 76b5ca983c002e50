// VersionVector: a causal context, the set of dots a replica has seen.
//
// Per replica it keeps a DotRanges: the contiguous prefix [1, n] is the compact version-vector
// entry, and any further intervals are the dot cloud of events seen out of order (after a lost or
// reordered delta). Every mutation compacts at once: a dot that fills a gap joins its neighbours,
// and a replica with no dots has no entry, so equal sets of dots are equal objects.
//
// Entries are sorted by replica in a small vector whose first entry is inline, so the context of a
// delta (one replica, one interval) costs no allocation.
//
// Comparison is by set inclusion: before (strict subset), after (strict superset), equal, or
// concurrent. Merging is set union, so it is a join: commutative, associative, idempotent.
#pragma once

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <utility>

#include "crdt/causal/dot.hpp"
#include "crdt/causal/dot_ranges.hpp"
#include "crdt/causal/replica_id.hpp"
#include "crdt/detail/small_vector.hpp"

namespace crdt {

enum class CausalOrder { equal, before, after, concurrent };

class VersionVector {
 public:
  using Entry = std::pair<ReplicaId, DotRanges>;
  using Entries = detail::SmallVector<Entry, 1>;

  VersionVector() = default;

  bool empty() const { return entries_.empty(); }
  // Ascending by replica.
  const Entries& entries() const { return entries_; }

  // The dots seen from `replica`, or nullptr.
  const DotRanges* find(ReplicaId replica) const {
    auto it = lower_bound(replica);
    return it != entries_.end() && it->first == replica ? &it->second : nullptr;
  }

  bool contains(const Dot& dot) const {
    const DotRanges* ranges = find(dot.replica);
    return ranges != nullptr && ranges->contains(dot.counter);
  }

  // Highest counter seen from `replica`, 0 if none.
  std::uint64_t max(ReplicaId replica) const {
    const DotRanges* ranges = find(replica);
    return ranges == nullptr ? 0 : ranges->max();
  }

  // n such that every dot (replica, 1..n) has been seen: the compact entry.
  std::uint64_t contiguous(ReplicaId replica) const {
    const DotRanges* ranges = find(replica);
    return ranges == nullptr ? 0 : ranges->contiguous();
  }

  // The next dot `replica` issues: one past the highest seen. Not recorded here: the mutator puts
  // it in its delta, and merging the delta records it. Throws std::overflow_error when the replica
  // has used its last counter (a wrapped counter 0 would be silently dropped by `add`).
  Dot next_dot(ReplicaId replica) const {
    const std::uint64_t highest = max(replica);
    if (highest == UINT64_MAX) throw std::overflow_error("crdt: replica has no dot counter left");
    return Dot{replica, highest + 1};
  }

  void add(const Dot& dot) {
    if (dot.counter == 0) return;
    slot(dot.replica).insert(dot.counter);
  }

  // Adds the dots (replica, lo..hi).
  void add_range(ReplicaId replica, std::uint64_t lo, std::uint64_t hi) {
    if (lo == 0 || lo > hi) return;
    slot(replica).insert(lo, hi);
  }

  void remove(const Dot& dot) {
    auto it = lower_bound(dot.replica);
    if (it == entries_.end() || it->first != dot.replica) return;
    it->second.erase(dot.counter);
    if (it->second.empty()) entries_.erase(it);
  }

  void merge(const VersionVector& other) {
    if (&other == this) return;
    for (const auto& [replica, ranges] : other.entries_) slot(replica).merge(ranges);
  }

  // Removes every dot of `other`.
  void subtract(const VersionVector& other) {
    // Erasing entries while iterating `other` must not touch the map being iterated.
    if (&other == this) {
      entries_.clear();
      return;
    }
    for (const auto& [replica, ranges] : other.entries_) {
      auto it = lower_bound(replica);
      if (it == entries_.end() || it->first != replica) continue;
      it->second.subtract(ranges);
      if (it->second.empty()) entries_.erase(it);
    }
  }

  // The dots of this context that `other` lacks.
  VersionVector difference(const VersionVector& other) const {
    VersionVector out = *this;
    out.subtract(other);
    return out;
  }

  bool subset_of(const VersionVector& other) const {
    for (const auto& [replica, ranges] : entries_) {
      const DotRanges* theirs = other.find(replica);
      if (theirs == nullptr || !ranges.subset_of(*theirs)) return false;
    }
    return true;
  }

  // Number of dots in the context (saturating).
  std::uint64_t count() const {
    std::uint64_t total = 0;
    for (const auto& [replica, ranges] : entries_) {
      const std::uint64_t n = ranges.count();
      total = n > UINT64_MAX - total ? UINT64_MAX : total + n;
    }
    return total;
  }

  // Number of intervals beyond each replica's contiguous prefix: the size of the dot cloud.
  std::size_t cloud_intervals() const {
    std::size_t total = 0;
    for (const auto& [replica, ranges] : entries_) {
      total += ranges.ranges().size() - (ranges.contiguous() > 0 ? 1 : 0);
    }
    return total;
  }

  bool well_formed() const {
    for (std::size_t i = 0; i < entries_.size(); ++i) {
      const auto& [replica, ranges] = entries_[i];
      if (!replica.valid() || ranges.empty() || !ranges.well_formed()) return false;
      if (i > 0 && !(entries_[i - 1].first < replica)) return false;
    }
    return true;
  }

  friend bool operator==(const VersionVector&, const VersionVector&) = default;

 private:
  friend class SerializationAccess;

  Entries::const_iterator lower_bound(ReplicaId replica) const {
    return std::lower_bound(entries_.begin(), entries_.end(), replica,
                            [](const Entry& e, ReplicaId r) { return e.first < r; });
  }
  Entries::iterator lower_bound(ReplicaId replica) {
    return std::lower_bound(entries_.begin(), entries_.end(), replica,
                            [](const Entry& e, ReplicaId r) { return e.first < r; });
  }

  // The entry of `replica`, made (empty) if absent; callers fill it at once.
  DotRanges& slot(ReplicaId replica) {
    auto it = lower_bound(replica);
    if (it == entries_.end() || it->first != replica) it = entries_.insert(it, Entry{replica, {}});
    return it->second;
  }

  Entries entries_;
};

// How two contexts relate: `before` means every dot of `a` is in `b` and `b` has more.
inline CausalOrder compare(const VersionVector& a, const VersionVector& b) {
  const bool a_in_b = a.subset_of(b);
  const bool b_in_a = b.subset_of(a);
  if (a_in_b && b_in_a) return CausalOrder::equal;
  if (a_in_b) return CausalOrder::before;
  if (b_in_a) return CausalOrder::after;
  return CausalOrder::concurrent;
}

}  // namespace crdt
