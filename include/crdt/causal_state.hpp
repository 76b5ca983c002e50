// CausalState<S>: the (dot store, causal context) pair under ORSet, MVRegister, CausalCounter and
// ORMap, with the join and the catch-up of the delta-state paper (section 6), made safe for deltas
// that arrive out of causal order.
//
// Two contexts are kept:
// - `causal` is every dot this state knows of, live or cancelled; it drives the join (a dot in the
//   other side's causal context but not in its store has been cancelled there).
// - `complete` is every event whose own delta (or a state containing it) has been merged here.
//   A delta that cancels dots names them in its causal context without carrying what those
//   events in turn cancelled; a replica that merges it before them knows those dots without
//   their effects. Their events are therefore left out of `complete` until they arrive.
// `context()` of every type is `complete`: two states with the same complete context reflect the
// same events and are equal, and `delta_since(complete(b))` gives b everything it lacks even when
// b merged deltas out of order (it then also carries the cancelled dots b may not know are
// cancelled). Invariants: complete ⊆ causal; every live dot of the store is in complete.
#pragma once

#include <utility>

#include "crdt/causal/dot.hpp"
#include "crdt/causal/replica_id.hpp"
#include "crdt/causal/version_vector.hpp"
#include "crdt/dot_store.hpp"

namespace crdt {

class SerializationAccess;

template <class S>
class CausalState {
 public:
  CausalState() = default;
  CausalState(S store, VersionVector causal, VersionVector complete)
      : store_(std::move(store)), causal_(std::move(causal)), complete_(std::move(complete)) {}

  // A mutator's delta: `store` (holding the dots it issues, if any), the dots it cancels and the
  // dots it issues, which are the only events the delta completes.
  static CausalState delta(S store, VersionVector cancelled, const VersionVector& issued) {
    cancelled.merge(issued);
    return CausalState(std::move(store), std::move(cancelled), issued);
  }
  static CausalState delta(S store, VersionVector cancelled, const Dot& issued) {
    VersionVector issued_dots;
    issued_dots.add(issued);
    return delta(std::move(store), std::move(cancelled), issued_dots);
  }

  // A state whose every known event is complete (a state built from parts, or a value read out of
  // a map).
  static CausalState from_parts(S store, VersionVector context) {
    VersionVector complete = context;
    return CausalState(std::move(store), std::move(context), std::move(complete));
  }

  const S& store() const { return store_; }
  const VersionVector& causal() const { return causal_; }
  const VersionVector& complete() const { return complete_; }

  // The dot `replica` issues next.
  Dot next_dot(ReplicaId replica) const { return causal_.next_dot(replica); }

  void merge(const CausalState& other) {
    join_store(store_, causal_, other.store_, other.causal_);
    causal_.merge(other.causal_);
    complete_.merge(other.complete_);
  }

  // What a peer whose complete context is `known` lacks: the live dots it does not know, and every
  // cancelled dot (so it also drops those it learned of only by reference); bottom when it has
  // completed every event this state has.
  CausalState delta_since(const VersionVector& known) const {
    if (complete_.subset_of(known)) return CausalState{};
    return CausalState(unknown_part(store_, known), delta_context(store_, causal_, known),
                       complete_.difference(known));
  }

  bool empty() const { return store_empty(store_) && causal_.empty(); }

  bool well_formed() const {
    return causal_.well_formed() && complete_.well_formed() && complete_.subset_of(causal_) &&
           store_well_formed(store_, complete_);
  }

  // Hands the store and the causal context to an ORMap that keeps its values' stores under one
  // context; the map tracks completeness itself.
  std::pair<S, VersionVector> into_parts() && { return {std::move(store_), std::move(causal_)}; }

  // For an ORMap, which lends its values' stores and its causal context to a value while a
  // mutator runs, and takes them back after.
  S& mutable_store() { return store_; }
  VersionVector& mutable_causal() { return causal_; }
  VersionVector& mutable_complete() { return complete_; }

  friend bool operator==(const CausalState&, const CausalState&) = default;

 private:
  friend class SerializationAccess;
  S store_;
  VersionVector causal_;
  VersionVector complete_;
};

}  // namespace crdt
