// Random replica histories for the property tests.
//
// The laws are checked on states that replicas can actually reach: 2 to 5 replicas apply random
// operations and merge each other's full states or single deltas (in causal order, or in any
// order so that contexts get gaps), which produces concurrent writes, removals of observed events
// and out-of-order delivery.
// Arbitrary values built field by field would mostly be states no replica can reach (two dots
// with different content, stores outside their context), on which the laws need not hold.
//
// A type joins the machinery through an "ops" class (support/type_ops.hpp):
//   using Type = ...;                                         the CRDT
//   struct Op;                                                one operation, with operator<<
//   static rc::Gen<Op> gen_op();
//   static std::optional<Type> apply(Type&, Actor&, const Op&);  its delta, nullopt if refused
//   static VersionVector payload_dots(const Type&);          the events the payload carries
//
// Everything is deterministic given the script: replica ids come from the script and every
// clock reads a physical time that the operations set, so a failing seed replays exactly.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <set>
#include <utility>
#include <vector>

#include <rapidcheck.h>

#include <crdt/causal/hybrid_logical_clock.hpp>
#include <crdt/causal/replica_id.hpp>
#include <crdt/causal/version_vector.hpp>

namespace crdt::props {

class Cluster;

// What a mutator may use: the replica's id, its clock, and the ids of the other replicas.
class Actor {
 public:
  Actor(Cluster& cluster, std::size_t index) : cluster_(&cluster), index_(index) {}

  ReplicaId id() const;
  // The clock of this replica, reading the physical time last given to set_wall_ms.
  HybridLogicalClock& clock();
  void set_wall_ms(std::uint64_t wall_ms);
  // One of the replicas (possibly this one), chosen by `pick`.
  ReplicaId replica(std::size_t pick) const;

 private:
  Cluster* cluster_;
  std::size_t index_;
};

// The replicas' identities and clocks. The clocks read physical times held here, so a test sets
// time explicitly (and can make it stand still or go backwards).
class Cluster {
 public:
  explicit Cluster(const std::vector<std::uint64_t>& ids) : wall_ms_(ids.size(), 0) {
    ids_.reserve(ids.size());
    clocks_.reserve(ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i) {
      ids_.emplace_back(ids[i]);
      clocks_.emplace_back([this, i] { return wall_ms_[i]; });
    }
  }
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  std::size_t size() const { return ids_.size(); }
  const std::vector<ReplicaId>& ids() const { return ids_; }
  Actor actor(std::size_t index) { return Actor(*this, index); }

 private:
  friend class Actor;
  std::vector<ReplicaId> ids_;
  std::vector<std::uint64_t> wall_ms_;
  std::vector<HybridLogicalClock> clocks_;
};

inline ReplicaId Actor::id() const { return cluster_->ids_[index_]; }
inline HybridLogicalClock& Actor::clock() { return cluster_->clocks_[index_]; }
inline void Actor::set_wall_ms(std::uint64_t wall_ms) { cluster_->wall_ms_[index_] = wall_ms; }
inline ReplicaId Actor::replica(std::size_t pick) const {
  return cluster_->ids_[pick % cluster_->ids_.size()];
}

enum class Action {
  mutate,           // the replica applies an operation
  merge_state,      // the replica merges another replica's full state
  deliver_delta,    // the replica merges one delta returned earlier by any replica
  deliver_message,  // network: an in-flight delta reaches its destination
  duplicate,        // network: same, but the message stays in flight to arrive again
  drop,             // network: an in-flight delta is lost
};

inline std::ostream& operator<<(std::ostream& os, Action action) {
  switch (action) {
    case Action::mutate:
      return os << "mutate";
    case Action::merge_state:
      return os << "merge_state";
    case Action::deliver_delta:
      return os << "deliver_delta";
    case Action::deliver_message:
      return os << "deliver_message";
    case Action::duplicate:
      return os << "duplicate";
    case Action::drop:
      return os << "drop";
  }
  return os << "?";
}

// One step of a script. `pick` chooses, modulo what exists when the step runs, the source
// replica of a merge, the delta to deliver or the in-flight message; `op` is used by mutate only.
template <class Op>
struct Step {
  Action action = Action::mutate;
  std::size_t replica = 0;
  std::size_t pick = 0;
  Op op{};
};

template <class Op>
std::ostream& operator<<(std::ostream& os, const Step<Op>& step) {
  os << step.action << " r" << step.replica;
  if (step.action == Action::mutate) return os << " " << step.op;
  return os << " pick=" << step.pick;
}

template <class Op>
struct Script {
  std::vector<std::uint64_t> ids;  // replica ids, one per replica
  std::vector<Step<Op>> steps;
};

template <class Op>
std::ostream& operator<<(std::ostream& os, const Script<Op>& script) {
  os << "replicas [";
  for (std::size_t i = 0; i < script.ids.size(); ++i) os << (i ? ", " : "") << script.ids[i];
  os << "]\n";
  for (std::size_t i = 0; i < script.steps.size(); ++i) {
    os << "  " << i << ": " << script.steps[i] << "\n";
  }
  return os;
}

// How deltas may reach a replica.
enum class Delivery {
  // A delta is merged only where every delta its replica had taken in before issuing it has
  // already been merged: the order that the sync engine's per-peer delta log keeps.
  causal,
  // Any delta, anywhere, in any order: what a lossy, reordering network does without a log.
  any,
};

struct ScriptShape {
  std::size_t min_replicas = 2;
  std::size_t max_replicas = 5;
  std::size_t max_steps = 30;
  // Relative weights of the actions a step may take.
  std::vector<std::pair<std::size_t, Action>> actions;
};

// Histories for the laws: operations, full-state merges and single-delta deliveries.
inline ScriptShape history_shape() {
  return {2, 5, 30, {{6, Action::mutate}, {2, Action::merge_state}, {2, Action::deliver_delta}}};
}

// A number in [min, max) drawn uniformly. rc::gen::inRange narrows its range with the test's
// size, which for small sizes would always pick the first replica or the bottom state.
template <class T>
rc::Gen<T> uniform_in(T min, T max) {
  return rc::gen::resize(100, rc::gen::inRange<T>(min, max));
}

// Distinct, non-zero ids in a random order (the low byte keeps them distinct), so tie-breaks by
// replica id do not follow the replicas' indices.
inline rc::Gen<std::vector<std::uint64_t>> gen_replica_ids(std::size_t min, std::size_t max) {
  return rc::gen::mapcat(uniform_in(min, max + 1), [](std::size_t n) {
    return rc::gen::map(
        rc::gen::container<std::vector<std::uint32_t>>(n, rc::gen::arbitrary<std::uint32_t>()),
        [](const std::vector<std::uint32_t>& salts) {
          std::vector<std::uint64_t> ids;
          for (std::size_t i = 0; i < salts.size(); ++i) {
            ids.push_back((std::uint64_t{salts[i]} << 8) | (i + 1));
          }
          return ids;
        });
  });
}

template <class Ops>
rc::Gen<Script<typename Ops::Op>> gen_script(const ScriptShape& shape) {
  using Op = typename Ops::Op;
  return rc::gen::mapcat(
      gen_replica_ids(shape.min_replicas, shape.max_replicas),
      [shape](std::vector<std::uint64_t> ids) {
        std::size_t total = 0;
        for (const auto& [weight, a] : shape.actions) total += weight;
        // A weighted choice written out, as weightedElement takes only an initializer_list.
        const rc::Gen<Action> weighted = rc::gen::map(uniform_in<std::size_t>(0, total),
                                                      [actions = shape.actions](std::size_t roll) {
                                                        for (const auto& [weight, a] : actions) {
                                                          if (roll < weight) return a;
                                                          roll -= weight;
                                                        }
                                                        return actions.back().second;
                                                      });
        const rc::Gen<Step<Op>> step = rc::gen::build<Step<Op>>(
            rc::gen::set(&Step<Op>::action, weighted),
            rc::gen::set(&Step<Op>::replica, uniform_in<std::size_t>(0, ids.size())),
            rc::gen::set(&Step<Op>::pick, uniform_in<std::size_t>(0, 1000)),
            rc::gen::set(&Step<Op>::op, Ops::gen_op()));
        // Uniform length up to max_steps (the container draws it from [0, size]); shrinking
        // removes any steps, not only trailing ones.
        const rc::Gen<std::vector<Step<Op>>> steps = rc::gen::resize(
            static_cast<int>(shape.max_steps), rc::gen::container<std::vector<Step<Op>>>(step));
        return rc::gen::build<Script<Op>>(
            rc::gen::set(&Script<Op>::ids, rc::gen::just(std::move(ids))),
            rc::gen::set(&Script<Op>::steps, steps));
      });
}

// The index of a replica other than `self`, chosen by `pick`.
inline std::size_t other_replica(std::size_t self, std::size_t pick, std::size_t count) {
  return (self + 1 + pick % (count - 1)) % count;
}

template <class T>
struct History {
  std::vector<T> replicas;  // the final state of each replica
  std::vector<T> deltas;    // every delta a mutator returned, in order (refusals excluded)
  // Per delta, the non-bottom deltas its replica had taken in when it was issued.
  std::vector<std::set<std::size_t>> delta_past;
  // Per replica, the non-bottom deltas its state is the join of (its own, those delivered, and
  // those of the states it merged).
  std::vector<std::set<std::size_t>> incorporated;
  std::vector<T> snapshots;  // bottom, then the state of the acting replica after every step
};

inline bool includes(const std::set<std::size_t>& big, const std::set<std::size_t>& small) {
  return std::includes(big.begin(), big.end(), small.begin(), small.end());
}

// Runs a history script. A refused operation (nullopt) must leave the state unchanged. With
// causal delivery, deliver_delta picks among the deltas whose past the target has taken in (and
// does nothing when there is none).
template <class Ops>
History<typename Ops::Type> run_history(const Script<typename Ops::Op>& script, Delivery delivery) {
  using T = typename Ops::Type;
  Cluster cluster(script.ids);
  const std::size_t n = cluster.size();
  History<T> h;
  h.replicas.assign(n, T{});
  h.incorporated.assign(n, {});
  h.snapshots.push_back(T{});
  for (const Step<typename Ops::Op>& step : script.steps) {
    const std::size_t target = step.replica % n;
    T& state = h.replicas[target];
    switch (step.action) {
      case Action::mutate: {
        const T before = state;
        Actor actor = cluster.actor(target);
        std::optional<T> delta = Ops::apply(state, actor, step.op);
        if (!delta) {
          RC_ASSERT(state == before);
          break;
        }
        h.delta_past.push_back(h.incorporated[target]);
        if (!delta->empty()) h.incorporated[target].insert(h.deltas.size());
        h.deltas.push_back(std::move(*delta));
        break;
      }
      case Action::merge_state: {
        const std::size_t source = other_replica(target, step.pick, n);
        state.merge(h.replicas[source]);
        h.incorporated[target].insert(h.incorporated[source].begin(), h.incorporated[source].end());
        break;
      }
      case Action::deliver_delta: {
        std::vector<std::size_t> candidates;
        for (std::size_t i = 0; i < h.deltas.size(); ++i) {
          if (delivery == Delivery::any || includes(h.incorporated[target], h.delta_past[i])) {
            candidates.push_back(i);
          }
        }
        if (candidates.empty()) break;
        const std::size_t index = candidates[step.pick % candidates.size()];
        state.merge(h.deltas[index]);
        if (!h.deltas[index].empty()) h.incorporated[target].insert(index);
        break;
      }
      default:
        break;
    }
    h.snapshots.push_back(state);
  }
  return h;
}

// A history from a freshly generated script (inside a property).
template <class Ops>
History<typename Ops::Type> gen_history(Delivery delivery) {
  return run_history<Ops>(*gen_script<Ops>(history_shape()), delivery);
}

// One of the states the history went through, bottom included.
template <class T>
const T& pick_state(const History<T>& h) {
  return h.snapshots[*uniform_in<std::size_t>(0, h.snapshots.size())];
}

template <class T>
T joined(T a, const T& b) {
  a.merge(b);
  return a;
}

// True when no dot of `a` is in `b`.
inline bool disjoint(const VersionVector& a, const VersionVector& b) {
  return a.difference(b) == a;
}

}  // namespace crdt::props
