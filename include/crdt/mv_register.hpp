// MVRegister<T>: a multi-value register (the optimized MV-Register of the delta-state paper,
// section 7). Concurrent writes are all kept, as siblings, until a write that has seen them
// supersedes them; the app or the user resolves, nothing is lost silently.
//
// Guarantees:
// - A write supersedes every value this replica has observed, and only those: a write concurrent
//   with it survives as a sibling.
// - `value()` lists the siblings ordered by their dots (replica id, then counter), so every replica
//   that has seen the same writes reads the same vector.
// - Every state change issues a dot, clears included, so two states with the same context are
//   equal and `delta_since` of a caught-up peer is bottom.
// - Memory: one value per concurrent sibling, plus the compacted context.
// Complexity: write/clear O(s log s + |context|) for s siblings (usually 1); merge O(s + s').
#pragma once

#include <utility>
#include <vector>

#include "crdt/causal/replica_id.hpp"
#include "crdt/causal/version_vector.hpp"
#include "crdt/causal_state.hpp"
#include "crdt/dot_store.hpp"
#include "crdt/dotted.hpp"
#include "crdt/dotted_value.hpp"
#include "crdt/lattice.hpp"

namespace crdt {

class SerializationAccess;

template <class T>
class MVRegister : public DottedValue<MVRegister<T>, DotFun<T>> {
  using Base = DottedValue<MVRegister<T>, DotFun<T>>;
  using Base::state_;

 public:
  using value_type = T;
  using Base::Base;
  using Base::store;
  using typename Base::State;
  using typename Base::Store;

  // Writes `value`, superseding every sibling observed here. The delta carries the value once.
  MVRegister write(ReplicaId replica, T value) {
    const Dot dot = state_.next_dot(replica);
    Store written;
    written.emplace(dot, std::move(value));
    return this->apply(MVRegister(State::delta(std::move(written), dots_of(store()), dot)));
  }

  // Removes every sibling observed here; bottom if there is none. A concurrent write survives.
  MVRegister clear(ReplicaId replica) {
    if (store().empty()) return MVRegister{};
    return this->apply(
        MVRegister(State::delta(Store{}, dots_of(store()), state_.next_dot(replica))));
  }

  // The siblings, ordered by their dots; empty if never written or cleared.
  std::vector<T> value() const {
    std::vector<T> out;
    out.reserve(store().size());
    for (const auto& [dot, sibling] : store()) out.push_back(sibling);
    return out;
  }

  friend bool operator==(const MVRegister&, const MVRegister&) = default;

 private:
  friend class SerializationAccess;
};

static_assert(DeltaCrdt<MVRegister<int>>);
static_assert(DottedCrdt<MVRegister<int>>);

}  // namespace crdt
