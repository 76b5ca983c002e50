// ORMap<K, V>: an observed-remove map from keys to dotted CRDTs (the ORMap of the delta-state
// paper, section 7), V any DottedCrdt: ORSet, MVRegister, CausalCounter or ORMap itself.
//
// Guarantees:
// - A key is present while its value's store holds a live dot. Keys are add-wins: an update
//   concurrent with a remove survives.
// - All values share the map's one causal context; values are joined recursively, key by key.
// - Removing a key (or clearing the map) cancels exactly the events of that value the remover had
//   observed: a concurrent update survives with its own effect only. In a cart
//   (`ORMap<std::string, CausalCounter>`), remove then add 3 reads 3, and an add of 3 concurrent
//   with a remove that saw an earlier add of 2 reads 3 after merging.
// - Every state change issues a dot, removes included, so two states with the same context are
//   equal and `delta_since` of a caught-up peer is bottom.
// - Memory: the values' stores plus one compacted context; removed keys leave nothing behind.
// Complexity: update costs O(log n) plus f, with no copy of the context or of the value (they are
// moved in and out); remove O(log n + d + |context|) for d dots of the key; merge O(n + m).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "crdt/causal/replica_id.hpp"
#include "crdt/causal/version_vector.hpp"
#include "crdt/causal_state.hpp"
#include "crdt/dot_store.hpp"
#include "crdt/dotted.hpp"
#include "crdt/dotted_value.hpp"
#include "crdt/lattice.hpp"
#include "crdt/or_set.hpp"  // for the static_asserts at the bottom

namespace crdt {

class SerializationAccess;

template <class K, DottedCrdt V>
class ORMap : public DottedValue<ORMap<K, V>, DotMap<K, typename V::Store>> {
  static_assert(!std::is_same_v<K, Dot>, "a DotMap keyed by dots would read as a DotFun");
  using Base = DottedValue<ORMap<K, V>, DotMap<K, typename V::Store>>;
  using Base::state_;

 public:
  using key_type = K;
  using mapped_type = V;
  using ValueType = std::remove_cvref_t<decltype(std::declval<const V&>().value())>;
  using Base::Base;
  using Base::store;
  using typename Base::State;
  using typename Base::Store;

  // Applies `f` to the value at `key` (bottom if absent) and returns the map delta built from the
  // value delta f returns (bottom if that is bottom). `replica` is the writer; f is expected to
  // call V's mutators with it. f receives a V that holds the key's store and the map's causal
  // context, must change it only through V's mutators (which issue dots from that shared context)
  // and must not touch this map while it runs. The key's store and the context are moved into the
  // V and back, never copied. If f throws, the map is restored to what the V held when it threw:
  // exactly the previous state when f changed nothing before throwing (the library's mutators
  // validate their arguments before they change anything), and the exception propagates.
  template <class F>
  ORMap update([[maybe_unused]] ReplicaId replica, const K& key, F&& f) {
    static_assert(std::is_invocable_r_v<V, F&, V&>, "f must take a V& and return a V (its delta)");
    Store delta_store;
    auto delta_entry = delta_store.try_emplace(key).first;
    auto entry = state_.mutable_store().try_emplace(key).first;
    V value(typename V::State(std::move(entry->second), std::move(state_.mutable_causal()),
                              VersionVector{}));
    V value_delta;
    try {
      value_delta = std::invoke(f, value);
    } catch (...) {
      put_back(entry, std::move(value));
      throw;
    }
    put_back(entry, std::move(value));
    typename V::State value_state = std::move(value_delta).into_state();
    VersionVector issued = value_state.complete();
    auto parts = std::move(value_state).into_parts();
    delta_entry->second = std::move(parts.first);
    if (store_empty(delta_entry->second)) delta_store.erase(delta_entry);
    ORMap delta(State(std::move(delta_store), std::move(parts.second), std::move(issued)));
    // The value's own merge already changed the store and the causal context; the map records
    // the events it completed.
    state_.mutable_complete().merge(delta.state().complete());
    return delta;
  }

  // Removes `key` as observed here, resetting the value's observed events; bottom if absent.
  ORMap remove(ReplicaId replica, const K& key) {
    auto it = store().find(key);
    if (it == store().end()) return ORMap{};
    return this->apply(ORMap(State::delta(Store{}, dots_of(it->second), state_.next_dot(replica))));
  }

  // Removes every key observed here; bottom if the map is empty.
  ORMap clear(ReplicaId replica) {
    if (store().empty()) return ORMap{};
    return this->apply(ORMap(State::delta(Store{}, dots_of(store()), state_.next_dot(replica))));
  }

  bool contains(const K& key) const { return store().contains(key); }
  std::size_t size() const { return store().size(); }

  // The present keys, in order.
  std::vector<K> keys() const {
    std::vector<K> out;
    out.reserve(store().size());
    for (const auto& [key, nested] : store()) out.push_back(key);
    return out;
  }

  // The value at `key` with a copy of its store and of the map's contexts (so it can be merged or
  // mutated on its own); nullopt if absent.
  std::optional<V> get(const K& key) const {
    auto it = store().find(key);
    if (it == store().end()) return std::nullopt;
    return V(typename V::State(it->second, state_.causal(), state_.complete()));
  }

  // Every key with its value's value(). The values are read from their stores alone (DottedCrdt),
  // so the context is not copied per key.
  std::map<K, ValueType> value() const {
    std::map<K, ValueType> out;
    for (const auto& [key, nested] : store()) {
      out.emplace_hint(out.end(), key,
                       V(typename V::State(nested, VersionVector{}, VersionVector{})).value());
    }
    return out;
  }

  friend bool operator==(const ORMap&, const ORMap&) = default;

 private:
  friend class SerializationAccess;

  // Moves a value's parts back into the map; a key whose store ended empty is absent.
  void put_back(typename Store::iterator entry, V&& value) noexcept {
    auto parts = std::move(value).into_state().into_parts();
    entry->second = std::move(parts.first);
    state_.mutable_causal() = std::move(parts.second);
    if (store_empty(entry->second)) state_.mutable_store().erase(entry);
  }
};

static_assert(DeltaCrdt<ORMap<int, ORSet<int>>>);
static_assert(DottedCrdt<ORSet<int>>);
static_assert(DottedCrdt<ORMap<int, ORMap<int, ORSet<int>>>>);

}  // namespace crdt
