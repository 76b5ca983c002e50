// BasicBoundedCounter<Floor>: an escrow counter whose value never goes below Floor, although every
// replica decrements without coordination (the bounded counter of Balegas et al., "Extending
// Eventually Consistent Cloud Databases for Enforcing Numeric Invariants", 2015, in the delta-state
// form of delta-enabled-crdts' `bcounter`). BoundedCounter is the usual Floor = 0.
//
// State: each replica owns one entry {increments, decrements, transfers (cumulative amount sent to
// each other replica), seq}; only that replica changes it, and only upwards, so the join (the
// per-component maximum, per destination for the transfers) keeps the latest version of every
// entry. `seq` counts the owner's operations; `context()` is {r: [1..seq]} and `delta_since`
// ships the entries whose version the peer lacks, as for PNCounter.
//
// Rights: rights(r) = increments(r) + transfers to r from others - transfers out of r
// - decrements(r). An increment gives its replica rights; a replica decrements or transfers only
// rights it holds (`decrement` and `transfer` return nullopt and change nothing otherwise); rights
// move between replicas only by transfer.
//
// Why the value never goes below Floor: a replica r checks its rights against its own entry,
// which it alone writes and so knows completely, and against the transfers to r it has received,
// which are never more than their senders made. So every version of r's entry satisfies
// decrements(r) + transfers out of r <= increments(r) + transfers to r as r knew them. Summing
// over the replicas, every unit received is a unit some replica sent, so the decrements never
// exceed the increments in any state that also holds, for each entry, the senders' transfers that
// entry relied on: full states, `delta_since` answers, and deltas delivered in causal order (the
// sync engine's delta log) all do. Concurrent decrements on two replicas spend disjoint rights, so
// no interleaving of operations and such merges takes `value()` below Floor. A replica that
// receives a decrement's delta ahead of the transfer or increment that funded it (a reordered or
// lost delta) holds a partial sum; `value()` reads Floor there until the missing delta arrives,
// and `rights` of other replicas read 0 where the partial sum would be negative.
//
// Overflow: an operation that would overflow one of the replica's uint64 totals, take `value()`
// above INT64_MAX as this replica sees it, or give the replica more than UINT64_MAX rights, throws
// std::overflow_error and changes nothing. A merged state beyond INT64_MAX (concurrent increments
// on several replicas) reads INT64_MAX.
// Errors: an invalid (zero) ReplicaId throws std::invalid_argument. An amount of 0, or a transfer
// to oneself, changes nothing and returns a bottom delta.
// Complexity: with R replicas and D transfer destinations in the state, a mutator is O(R + D),
// merge O((R + D) log R), value O(R), rights O(R log D). A value type: not thread-safe.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <utility>

#include "crdt/causal/replica_id.hpp"
#include "crdt/causal/version_vector.hpp"
#include "crdt/detail/owned_entries.hpp"
#include "crdt/detail/wide_sum.hpp"
#include "crdt/lattice.hpp"

namespace crdt {

class SerializationAccess;

template <std::int64_t Floor>
class BasicBoundedCounter {
 public:
  static constexpr std::int64_t kFloor = Floor;

  // One replica's totals. `transfers` maps each destination to the cumulative amount sent there
  // (never the owner itself, never 0); `seq` is the number of operations the owner made.
  struct Entry {
    std::uint64_t increments = 0;
    std::uint64_t decrements = 0;
    std::map<ReplicaId, std::uint64_t> transfers;
    std::uint64_t seq = 0;
    friend bool operator==(const Entry&, const Entry&) = default;
  };
  using Entries = std::map<ReplicaId, Entry>;

  BasicBoundedCounter() = default;

  // Adds `n` to the value and to `replica`'s rights; returns the delta (the replica's new entry).
  BasicBoundedCounter increment(ReplicaId replica, std::uint64_t n) {
    Entry next = next_entry(replica);
    if (n == 0) return BasicBoundedCounter{};
    if (n > UINT64_MAX - next.increments) {
      throw std::overflow_error("crdt: BoundedCounter increment overflows the replica's total");
    }
    if (!detail::fits_int64(Floor, total_increments() + n, total_decrements())) {
      throw std::overflow_error("crdt: BoundedCounter increment takes the value above INT64_MAX");
    }
    const auto [gained, spent] = rights_parts(replica);
    if (!(gained + n <= spent || (gained + n).minus(spent).fits_u64())) {
      throw std::overflow_error("crdt: BoundedCounter increment takes the rights above UINT64_MAX");
    }
    next.increments += n;
    return apply(replica, std::move(next));
  }

  // Subtracts `n`, spending `replica`'s rights; nullopt (and no change) when it holds fewer.
  [[nodiscard]] std::optional<BasicBoundedCounter> decrement(ReplicaId replica, std::uint64_t n) {
    Entry next = next_entry(replica);
    if (n == 0) return BasicBoundedCounter{};
    if (rights(replica) < n) return std::nullopt;
    if (n > UINT64_MAX - next.decrements) {
      throw std::overflow_error("crdt: BoundedCounter decrement overflows the replica's total");
    }
    next.decrements += n;
    return apply(replica, std::move(next));
  }

  // Moves `n` of `from`'s rights to `to`; nullopt (and no change) when `from` holds fewer.
  [[nodiscard]] std::optional<BasicBoundedCounter> transfer(ReplicaId from, ReplicaId to,
                                                            std::uint64_t n) {
    if (!to.valid()) throw std::invalid_argument("crdt: BoundedCounter needs a valid ReplicaId");
    Entry next = next_entry(from);
    if (from == to || n == 0) return BasicBoundedCounter{};
    if (rights(from) < n) return std::nullopt;
    std::uint64_t& sent = next.transfers[to];
    if (n > UINT64_MAX - sent) {
      throw std::overflow_error("crdt: BoundedCounter transfer overflows the replica's total");
    }
    sent += n;
    return apply(from, std::move(next));
  }

  void merge(const BasicBoundedCounter& other) {
    for (const auto& [replica, theirs] : other.entries_) {
      Entry& mine = entries_[replica];
      mine.increments = std::max(mine.increments, theirs.increments);
      mine.decrements = std::max(mine.decrements, theirs.decrements);
      for (const auto& [to, amount] : theirs.transfers) {
        std::uint64_t& sent = mine.transfers[to];
        sent = std::max(sent, amount);
      }
      mine.seq = std::max(mine.seq, theirs.seq);
    }
  }

  // {r: [1..seq]} for every replica with an entry.
  VersionVector context() const { return detail::entries_context(entries_); }

  // The entries whose version the peer at `known` has not seen; bottom when it has seen all.
  BasicBoundedCounter delta_since(const VersionVector& known) const {
    BasicBoundedCounter out;
    out.entries_ = detail::entries_since(entries_, known);
    return out;
  }

  // Floor + increments - decrements; Floor in a partial state that would read less (see above),
  // INT64_MAX in a merged state beyond it.
  std::int64_t value() const {
    return std::max(Floor, detail::saturated_int64(Floor, total_increments(), total_decrements()));
  }

  // What `replica` may still decrement or transfer, as this state knows it (0 if negative here).
  std::uint64_t rights(ReplicaId replica) const {
    const auto [gained, spent] = rights_parts(replica);
    return detail::saturated_uint64(gained, spent);
  }

  std::uint64_t increments(ReplicaId replica) const { return find(replica).increments; }
  std::uint64_t decrements(ReplicaId replica) const { return find(replica).decrements; }
  // Cumulative amount `from` has sent to `to`.
  std::uint64_t transferred(ReplicaId from, ReplicaId to) const {
    auto it = entries_.find(from);
    if (it == entries_.end()) return 0;
    auto sent = it->second.transfers.find(to);
    return sent == it->second.transfers.end() ? 0 : sent->second;
  }
  const Entries& entries() const { return entries_; }

  bool empty() const { return entries_.empty(); }

  // Every entry belongs to a valid replica, records at least one operation, and sends nonzero
  // amounts to valid replicas other than its owner. Rights need not balance: a merge of partial
  // deltas is a legitimate state.
  bool well_formed() const {
    for (const auto& [replica, entry] : entries_) {
      if (!replica.valid() || entry.seq == 0) return false;
      for (const auto& [to, amount] : entry.transfers) {
        if (!to.valid() || to == replica || amount == 0) return false;
      }
    }
    return true;
  }

  friend bool operator==(const BasicBoundedCounter&, const BasicBoundedCounter&) = default;

 private:
  friend class SerializationAccess;

  const Entry& find(ReplicaId replica) const {
    static const Entry kNone{};
    auto it = entries_.find(replica);
    return it == entries_.end() ? kNone : it->second;
  }

  // The replica's entry with the next operation counted; checks the arguments common to all
  // mutators before anything changes.
  Entry next_entry(ReplicaId replica) const {
    if (!replica.valid())
      throw std::invalid_argument("crdt: BoundedCounter needs a valid ReplicaId");
    Entry entry = find(replica);
    if (entry.seq == UINT64_MAX) {
      throw std::overflow_error("crdt: BoundedCounter replica has no operation counter left");
    }
    ++entry.seq;
    return entry;
  }

  BasicBoundedCounter apply(ReplicaId replica, Entry entry) {
    BasicBoundedCounter delta;
    delta.entries_.emplace(replica, std::move(entry));
    merge(delta);
    return delta;
  }

  // (increments + transfers received, transfers sent + decrements) of `replica`.
  std::pair<detail::WideSum, detail::WideSum> rights_parts(ReplicaId replica) const {
    detail::WideSum gained;
    detail::WideSum spent;
    for (const auto& [owner, entry] : entries_) {
      if (owner == replica) {
        gained += entry.increments;
        spent += entry.decrements;
        for (const auto& [to, amount] : entry.transfers) spent += amount;
      } else {
        auto it = entry.transfers.find(replica);
        if (it != entry.transfers.end()) gained += it->second;
      }
    }
    return {gained, spent};
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

using BoundedCounter = BasicBoundedCounter<0>;

static_assert(DeltaCrdt<BoundedCounter>);
static_assert(DeltaCrdt<BasicBoundedCounter<-100>>);

}  // namespace crdt
