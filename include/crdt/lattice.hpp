// The contract every replicated type offers (DESIGN.md, "include/crdt/"): a delta-state CRDT
// (Almeida, Shoker, Baquero, "Delta State Replicated Data Types", 2018).
//
// - A default-constructed value is bottom, the empty state; `empty()` says whether a state is it.
// - `merge(other)` is a join: commutative, associative and idempotent, and it never fails.
// - Each mutator takes the replica's identity (and clock, where time matters) explicitly, applies
//   itself locally, and returns a delta of the same type; merging deltas in any order, any number
//   of times, gives the same state as merging the full states.
// - `context()` is the causal context: the dots of every event the state reflects.
// - `delta_since(ctx)` is the smallest state that a peer whose context is `ctx` lacks:
//   `b.merge(a.delta_since(b.context()))` equals `b.merge(a)`, the delta's payload holds no dot
//   that `ctx` covers, and `a.delta_since(a.context())` is bottom.
// - `value()` reads the state; `operator==` compares states.
#pragma once

#include <concepts>

#include "crdt/causal/version_vector.hpp"

namespace crdt {

template <class T>
concept DeltaCrdt = std::regular<T> && requires(T state, const T& other, const VersionVector& ctx) {
  state.merge(other);
  { other.empty() } -> std::convertible_to<bool>;
  { other.context() } -> std::convertible_to<VersionVector>;
  { other.delta_since(ctx) } -> std::same_as<T>;
  other.value();
};

}  // namespace crdt
