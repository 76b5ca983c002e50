// DottedCrdt: a causal CRDT that is a (dot store, causal context) pair, so that an ORMap can hold
// it as a value and join it recursively (section 6 of the delta-state paper).
//
// A dotted type V exposes its store type `V::Store` (a DotSet, DotFun or DotMap of dot_store.hpp)
// and its state type `V::State` (CausalState<Store>), is constructible from a state, hands it back
// with `state()` and `std::move(v).into_state()`, and is a DeltaCrdt. An ORMap keeps only the
// store of each value and shares one context among all of them, so two more rules hold for every
// dotted type:
// - `value()` depends on the store only (a map may read a value built with an empty context);
// - a mutator's delta context names only dots of the value's own store plus the dots it issues,
//   so applying it to the map never touches another key.
#pragma once

#include <concepts>
#include <utility>

#include "crdt/causal/version_vector.hpp"
#include "crdt/causal_state.hpp"
#include "crdt/dot_store.hpp"
#include "crdt/lattice.hpp"

namespace crdt {

// A store type that the functions of dot_store.hpp join, inspect and split.
template <class S>
concept DotStore = std::regular<S> &&
    requires(S& store, const S& other, const VersionVector& context, VersionVector& out) {
  { store_empty(other) } -> std::convertible_to<bool>;
  join_store(store, context, other, context);
  collect_dots(other, out);
  { unknown_part(other, context) } -> std::same_as<S>;
  { store_well_formed(other, context) } -> std::convertible_to<bool>;
};

template <class V>
concept HasDotStore = requires {
  typename V::Store;
  typename V::State;
  requires std::same_as<typename V::State, CausalState<typename V::Store>>;
};

template <class V>
concept SplitsIntoState = requires(const V& value, V&& expiring) {
  { value.store() } -> std::convertible_to<const typename V::Store&>;
  { value.state() } -> std::convertible_to<const typename V::State&>;
  { std::move(expiring).into_state() } -> std::same_as<typename V::State>;
};

template <class V>
concept DottedCrdt = DeltaCrdt<V> && HasDotStore<V> && DotStore<typename V::Store> &&
    std::constructible_from<V, typename V::State> &&
    std::constructible_from<V, typename V::Store, VersionVector> && SplitsIntoState<V>;

}  // namespace crdt
