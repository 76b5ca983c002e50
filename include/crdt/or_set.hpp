// ORSet<T>: an add-wins observed-remove set without tombstones (the optimized OR-Set of the
// delta-state paper, section 7).
//
// Guarantees:
// - An element is present while at least one of its add events (dots) is live. A remove cancels
//   the add events it observed, so an add concurrent with a remove survives (add wins), and a
//   remove of an element never seen is a no-op that returns bottom.
// - Every state change issues a dot, removes included, so two states with the same context
//   reflect the same events and are equal, and `delta_since` of a caught-up peer is bottom (see
//   causal_state.hpp for deltas merged out of causal order).
// - Memory: one dot per live element per concurrent adder, plus the compacted contexts; removed
//   elements leave nothing behind.
// Complexity: add/remove O(log n + |context|); merge O(n + m); contains O(log n).
#pragma once

#include <map>
#include <utility>
#include <vector>

#include "crdt/causal/replica_id.hpp"
#include "crdt/causal/version_vector.hpp"
#include "crdt/causal_state.hpp"
#include "crdt/dot_store.hpp"
#include "crdt/dotted_value.hpp"
#include "crdt/lattice.hpp"

namespace crdt {

class SerializationAccess;

template <class T>
class ORSet : public DottedValue<ORSet<T>, DotMap<T, DotSet>> {
  using Base = DottedValue<ORSet<T>, DotMap<T, DotSet>>;
  using Base::state_;

 public:
  using value_type = T;
  using Base::Base;
  using Base::store;
  using typename Base::State;
  using typename Base::Store;

  // Adds `element`, replacing the add events this replica has observed for it.
  ORSet add(ReplicaId replica, const T& element) {
    VersionVector cancelled;
    auto it = store().find(element);
    if (it != store().end()) collect_dots(it->second, cancelled);
    const Dot dot = state_.next_dot(replica);
    return this->apply(
        ORSet(State::delta(Store{{element, DotSet{dot}}}, std::move(cancelled), dot)));
  }

  // Removes `element` as observed here; bottom if it is absent.
  ORSet remove(ReplicaId replica, const T& element) {
    auto it = store().find(element);
    if (it == store().end()) return ORSet{};
    return this->apply(ORSet(State::delta(Store{}, dots_of(it->second), state_.next_dot(replica))));
  }

  // Removes every element observed here; bottom if the set is empty.
  ORSet clear(ReplicaId replica) {
    if (store().empty()) return ORSet{};
    return this->apply(ORSet(State::delta(Store{}, dots_of(store()), state_.next_dot(replica))));
  }

  bool contains(const T& element) const { return store().contains(element); }
  std::size_t size() const { return store().size(); }

  // The elements, in order.
  std::vector<T> value() const {
    std::vector<T> out;
    out.reserve(store().size());
    for (const auto& [element, dots] : store()) out.push_back(element);
    return out;
  }

  friend bool operator==(const ORSet&, const ORSet&) = default;

 private:
  friend class SerializationAccess;
};

}  // namespace crdt
