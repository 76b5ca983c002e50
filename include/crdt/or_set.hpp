// ORSet<T>: an add-wins observed-remove set without tombstones (the optimized OR-Set of the
// delta-state paper, section 7).
//
// Guarantees:
// - An element is present while at least one of its add events (dots) is live. A remove kills the
//   add events it observed, so an add concurrent with a remove survives (add wins), and a remove of
//   an element never seen is a no-op.
// - Every state change issues a dot, removes included, so two states with the same context are
//   equal and `delta_since` of a caught-up peer is bottom.
// - Memory: one dot per live element per concurrent adder, plus the compacted context; removed
//   elements leave nothing behind.
// Complexity: add/remove O(log n + |context|); merge O(n + m); contains O(log n).
#pragma once

#include <map>
#include <utility>
#include <vector>

#include "crdt/causal/replica_id.hpp"
#include "crdt/causal/version_vector.hpp"
#include "crdt/dot_store.hpp"
#include "crdt/lattice.hpp"

namespace crdt {

class SerializationAccess;

template <class T>
class ORSet {
 public:
  using value_type = T;
  using Store = DotMap<T, DotSet>;

  ORSet() = default;
  ORSet(Store store, VersionVector context)
      : store_(std::move(store)), context_(std::move(context)) {}

  // Adds `element`, replacing the add events this replica has observed for it.
  ORSet add(ReplicaId replica, const T& element) {
    ORSet delta;
    auto it = store_.find(element);
    if (it != store_.end()) collect_dots(it->second, delta.context_);
    const Dot dot = context_.next_dot(replica);
    delta.context_.add(dot);
    delta.store_.emplace(element, DotSet{dot});
    merge(delta);
    return delta;
  }

  // Removes `element` as observed here; bottom if it is absent.
  ORSet remove(ReplicaId replica, const T& element) {
    auto it = store_.find(element);
    if (it == store_.end()) return ORSet{};
    ORSet delta;
    collect_dots(it->second, delta.context_);
    delta.context_.add(context_.next_dot(replica));
    merge(delta);
    return delta;
  }

  // Removes every element observed here; bottom if the set is empty.
  ORSet clear(ReplicaId replica) {
    if (store_.empty()) return ORSet{};
    ORSet delta;
    collect_dots(store_, delta.context_);
    delta.context_.add(context_.next_dot(replica));
    merge(delta);
    return delta;
  }

  void merge(const ORSet& other) {
    join_store(store_, context_, other.store_, other.context_);
    context_.merge(other.context_);
  }

  ORSet delta_since(const VersionVector& known) const {
    if (context_.subset_of(known)) return ORSet{};
    return ORSet(unknown_part(store_, known), delta_context(store_, context_, known));
  }

  bool contains(const T& element) const { return store_.contains(element); }
  std::size_t size() const { return store_.size(); }
  bool empty() const { return store_.empty() && context_.empty(); }

  // The elements, in order.
  std::vector<T> value() const {
    std::vector<T> out;
    out.reserve(store_.size());
    for (const auto& [element, dots] : store_) out.push_back(element);
    return out;
  }

  const Store& store() const { return store_; }
  const VersionVector& context() const { return context_; }

  // Splits the state into its parts, for an ORMap that holds it.
  std::pair<Store, VersionVector> into_parts() && {
    return {std::move(store_), std::move(context_)};
  }

  // Every dot in the store is in the context and no entry is empty.
  bool well_formed() const { return context_.well_formed() && store_well_formed(store_, context_); }

  friend bool operator==(const ORSet&, const ORSet&) = default;

 private:
  friend class SerializationAccess;
  Store store_;
  VersionVector context_;
};

}  // namespace crdt
