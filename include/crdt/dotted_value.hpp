// DottedValue<Derived, S>: what every dotted type (ORSet, MVRegister, CausalCounter, ORMap) offers
// beside its mutators, over one CausalState<S>: join, catch-up, the contexts and the parts an
// ORMap lends out and takes back. A dotted type derives from it and adds its mutators and reads.
//
// `context()` is the complete context (causal_state.hpp): the one to send a peer for catch-up.
#pragma once

#include <utility>

#include "crdt/causal/version_vector.hpp"
#include "crdt/causal_state.hpp"

namespace crdt {

template <class Derived, class S>
class DottedValue {
 public:
  using Store = S;
  using State = CausalState<S>;

  DottedValue() = default;
  explicit DottedValue(State state) : state_(std::move(state)) {}
  // A state from its parts; every event the context names counts as complete.
  DottedValue(Store store, VersionVector context)
      : state_(State::from_parts(std::move(store), std::move(context))) {}

  void merge(const Derived& other) { state_.merge(other.DottedValue::state()); }
  Derived delta_since(const VersionVector& known) const {
    return Derived(state_.delta_since(known));
  }

  bool empty() const { return state_.empty(); }
  const Store& store() const { return state_.store(); }
  const VersionVector& context() const { return state_.complete(); }
  const State& state() const { return state_; }

  State into_state() && { return std::move(state_); }
  // The store and the causal context, for code that keeps them apart.
  std::pair<Store, VersionVector> into_parts() && { return std::move(state_).into_parts(); }

  // Every live dot is in the complete context, which is inside the causal one; no empty entry.
  bool well_formed() const { return state_.well_formed(); }

  friend bool operator==(const DottedValue&, const DottedValue&) = default;

 protected:
  // Applies a mutator's delta locally and hands it back.
  Derived apply(Derived delta) {
    merge(delta);
    return delta;
  }

  State state_;
};

}  // namespace crdt
