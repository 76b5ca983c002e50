// A simulated network for the convergence properties: 3 to 5 replicas apply random operations,
// every delta is put in flight to every other replica, and deliveries happen in random order,
// with random duplication and loss, interleaved with more operations. Then every pair of
// replicas exchanges delta_since until they agree.
//
// Alongside the states it records the causal history that a reference model of the type's
// contract needs: every operation is an event with a unique id, and every replica knows the set
// of events whose deltas it has taken in (its own, those delivered to it, and everything a peer
// it synced with knew). An event's past is what its replica knew when it ran.
//
// What an operation overrides is decided by the model from the replica's live view (the known
// events that no known event overrode), not from the type under test: an ORSet remove(e)
// overrides the add(e) events live in the remover's view, a CausalCounter reset the live
// increments, and so on. Plain causal pasts would not do once deltas arrive out of order: a
// replica that received only the delta of add(f) has not seen the add(e) that preceded it on the
// sender, and its remove(e) must not cancel that add.
#pragma once

#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <rapidcheck.h>

#include <crdt/causal/dot.hpp>
#include <crdt/causal/version_vector.hpp>

#include "support/replica_history.hpp"

namespace crdt::props {

template <class Ops>
struct Event {
  std::size_t replica = 0;
  typename Ops::Op op{};
  std::optional<typename Ops::Type> delta;  // nullopt when the operation was refused
  std::vector<Dot> dots;                    // the dots it issued
  std::set<std::size_t> past;               // the effective events its replica knew
  std::set<std::size_t> overrides;          // the live events it replaced (decided by the model)

  // Changed a state: its delta is not bottom (a refused operation or a no-op is not).
  bool effective() const { return delta && !delta->empty(); }
};

template <class Ops>
struct NetworkRun {
  std::vector<ReplicaId> ids;
  std::vector<typename Ops::Type> replicas;
  std::vector<Event<Ops>> events;
  std::vector<std::set<std::size_t>> known;  // per replica, the effective events it knows
  Delivery delivery = Delivery::any;
};

// The known events that no known event overrode.
template <class Ops>
std::set<std::size_t> live_events(const std::vector<Event<Ops>>& events,
                                  const std::set<std::size_t>& known) {
  std::set<std::size_t> dead;
  for (std::size_t k : known) dead.insert(events[k].overrides.begin(), events[k].overrides.end());
  std::set<std::size_t> live;
  for (std::size_t k : known) {
    if (!dead.contains(k)) live.insert(k);
  }
  return live;
}

inline std::vector<Dot> dots_in(const VersionVector& context) {
  std::vector<Dot> out;
  for (const auto& [replica, ranges] : context.entries()) {
    for (const CounterRange& r : ranges.ranges()) {
      for (std::uint64_t c = r.lo; c <= r.hi; ++c) out.push_back(Dot{replica, c});
    }
  }
  return out;
}

// Network scripts: operations, and deliveries, duplicate deliveries and losses of in-flight
// deltas.
inline ScriptShape network_shape() {
  return {3,
          5,
          60,
          {{4, Action::mutate},
           {4, Action::deliver_message},
           {1, Action::duplicate},
           {1, Action::drop}}};
}

// What the model says an operation does, given the replica's live view.
struct Outcome {
  bool refused = false;             // the operation must return nullopt and change nothing
  bool changes = true;              // else, whether it must change the state (a non-bottom delta)
  std::set<std::size_t> overrides;  // the live events it replaces
};

// Runs a network script, then the final delta_since exchange, checking after every step that
// each operation did what the model expects in its replica's view and that each replica reads
// what the model computes from the events it knows.
//
// `Model` provides:
//   static Outcome expect(const Event<Ops>&, const NetworkRun<Ops>&, const std::set<size_t>& live)
//   static V value_of(const NetworkRun<Ops>&, const std::set<std::size_t>& live)
//   optional: static void check_step(const NetworkRun<Ops>&)     invariants after every step
//   optional: static constexpr bool kCumulative = true;  a delta carries every earlier event of
//             its replica (state-based counters ship the replica's whole entry)
template <class Ops, class Model>
NetworkRun<Ops> run_network(const Script<typename Ops::Op>& script, Delivery delivery) {
  using T = typename Ops::Type;
  struct Message {
    std::size_t event;
    std::size_t to;
  };
  Cluster cluster(script.ids);
  const std::size_t n = cluster.size();
  NetworkRun<Ops> run;
  run.delivery = delivery;
  run.ids = cluster.ids();
  run.replicas.assign(n, T{});
  run.known.assign(n, {});
  std::vector<Message> in_flight;

  // The events a delivered delta of `id` makes its receiver know.
  auto carried = [&run](std::size_t id) {
    std::set<std::size_t> out{id};
    if constexpr (requires { Model::kCumulative; }) {
      for (std::size_t e = 0; e < id; ++e) {
        if (run.events[e].replica == run.events[id].replica && run.events[e].effective()) {
          out.insert(e);
        }
      }
    }
    return out;
  };
  auto check_replicas = [&run](const std::string& when) {
    for (std::size_t r = 0; r < run.replicas.size(); ++r) {
      RC_ASSERT(run.replicas[r].well_formed());
      const auto actual = run.replicas[r].value();
      const auto expected = Model::value_of(run, live_events(run.events, run.known[r]));
      if (!(actual == expected)) {
        RC_LOG() << "replica r" << r << " " << when << ": value " << rc::toString(actual)
                 << ", model " << rc::toString(expected) << "\n";
        RC_FAIL("a replica does not read what the model computes");
      }
    }
    if constexpr (requires { Model::check_step(run); }) Model::check_step(run);
  };

  for (std::size_t s = 0; s < script.steps.size(); ++s) {
    const Step<typename Ops::Op>& step = script.steps[s];
    const std::size_t target = step.replica % n;
    if (step.action == Action::mutate) {
      T& state = run.replicas[target];
      const T before = state;
      Event<Ops> event;
      event.replica = target;
      event.op = step.op;
      event.past = run.known[target];
      const std::set<std::size_t> live = live_events(run.events, event.past);
      Actor actor = cluster.actor(target);
      event.delta = Ops::apply(state, actor, step.op);
      event.dots = dots_in(state.context().difference(before.context()));
      const Outcome expected = Model::expect(event, run, live);
      RC_ASSERT(event.delta.has_value() == !expected.refused);
      if (!event.delta) RC_ASSERT(state == before);
      if (event.delta) RC_ASSERT(event.effective() == expected.changes);
      event.overrides = expected.overrides;
      const std::size_t id = run.events.size();
      if (event.effective()) {
        run.known[target].insert(id);
        for (std::size_t to = 0; to < n; ++to) {
          if (to != target) in_flight.push_back({id, to});
        }
      }
      run.events.push_back(std::move(event));
    } else {
      // The step's replica is the destination; `pick` chooses among the messages to it. With
      // causal delivery only those whose event's past the destination knows can arrive; the
      // others wait (or are lost).
      std::vector<std::size_t> candidates;
      for (std::size_t i = 0; i < in_flight.size(); ++i) {
        const Message& m = in_flight[i];
        if (m.to != target) continue;
        if (step.action == Action::drop || delivery == Delivery::any ||
            includes(run.known[m.to], run.events[m.event].past)) {
          candidates.push_back(i);
        }
      }
      if (!candidates.empty()) {
        const std::size_t index = candidates[step.pick % candidates.size()];
        const Message m = in_flight[index];
        if (step.action != Action::drop) {
          run.replicas[m.to].merge(*run.events[m.event].delta);
          const std::set<std::size_t> news = carried(m.event);
          run.known[m.to].insert(news.begin(), news.end());
        }
        if (step.action != Action::duplicate) {
          in_flight.erase(in_flight.begin() + static_cast<std::ptrdiff_t>(index));
        }
      }
    }
    check_replicas("after step " + std::to_string(s));
  }

  // Anti-entropy: every replica asks every other for what it lacks. One pass suffices when
  // delta_since is exact; more give a broken one every chance before the final check.
  for (std::size_t round = 0; round < n; ++round) {
    for (std::size_t b = 0; b < n; ++b) {
      for (std::size_t a = 0; a < n; ++a) {
        if (a == b) continue;
        run.replicas[b].merge(run.replicas[a].delta_since(run.replicas[b].context()));
        run.known[b].insert(run.known[a].begin(), run.known[a].end());
      }
    }
    check_replicas("after delta_since round " + std::to_string(round));
  }
  return run;
}

}  // namespace crdt::props
