// Convergence against a reference model of each type's contract.
//
// 3 to 5 replicas apply random operations; every delta is put in flight to every other replica
// and delivered in random order, duplicated or lost, interleaved with more operations; then every
// pair exchanges delta_since until nothing is missing (support/network.hpp). After every step,
// each operation must have done what the model expects in its replica's view and each replica
// must read what the model computes from the events it knows; at the end all replicas must be
// equal and read what the model computes from every event.
//
// The models below are written from the contracts in the headers and DESIGN.md, over event ids:
// an operation overrides what was live in its replica's view when it ran (see
// support/network.hpp for why the view, rather than the plain causal past, is what an observed
// remove removes), and a value is read from the events that nothing overrode.
//
// Each type runs twice: with causal delivery (a delta arrives only where its sender's past
// already is, as the sync engine's delta log delivers) and with deltas arriving in any order.
// The second is the harder case for the causal types: a delta that cancels events names their
// dots without what those events cancelled in turn (see delta_since_laws_props.cpp). Smallest
// ORSet case it found before CausalState kept a separate complete context: r3 adds c three
// times; r0 receives the first and third deltas, the second is lost. r0 kept the first add's dot
// beside the third's with the same context as r3, so the final exchange sent nothing and the
// replicas stayed different.
#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include <rapidcheck/catch.h>

#include "support/network.hpp"
#include "support/replica_history.hpp"
#include "support/type_ops.hpp"

namespace crdt::props {
namespace {

template <class Ops, class Keep>
std::set<std::size_t> live_where(const NetworkRun<Ops>& run, const std::set<std::size_t>& live,
                                 Keep keep) {
  std::set<std::size_t> out;
  for (std::size_t e : live) {
    if (keep(run.events[e].op)) out.insert(e);
  }
  return out;
}

// ORSet, add-wins: add(e) and remove(e) replace the add(e) events in view, clear replaces every
// add in view; e is present iff some add(e) was replaced by nothing.
struct ORSetModel {
  using Ops = ORSetOps;
  using Kind = Ops::Kind;

  static Outcome expect(const Event<Ops>& event, const NetworkRun<Ops>& run,
                        const std::set<std::size_t>& live) {
    const Ops::Op& op = event.op;
    Outcome out;
    out.overrides = live_where(run, live, [&op](const Ops::Op& other) {
      return other.kind == Kind::add && (op.kind == Kind::clear || other.element == op.element);
    });
    out.changes = op.kind == Kind::add || !out.overrides.empty();
    return out;
  }

  static std::vector<std::string> value_of(const NetworkRun<Ops>& run,
                                           const std::set<std::size_t>& live) {
    std::set<std::string> present;
    for (std::size_t e : live) {
      if (run.events[e].op.kind == Kind::add) present.insert(run.events[e].op.element);
    }
    return {present.begin(), present.end()};
  }
};

// MVRegister: a write or clear replaces every write in view; the value is every write replaced
// by nothing, ordered by its dot.
struct MVRegisterModel {
  using Ops = MVRegisterOps;
  using Kind = Ops::Kind;

  static Outcome expect(const Event<Ops>& event, const NetworkRun<Ops>& run,
                        const std::set<std::size_t>& live) {
    Outcome out;
    out.overrides =
        live_where(run, live, [](const Ops::Op& other) { return other.kind == Kind::write; });
    out.changes = event.op.kind == Kind::write || !out.overrides.empty();
    return out;
  }

  static std::vector<std::string> value_of(const NetworkRun<Ops>& run,
                                           const std::set<std::size_t>& live) {
    std::map<Dot, std::string> siblings;
    for (std::size_t e : live) {
      const Event<Ops>& event = run.events[e];
      if (event.op.kind == Kind::write) siblings.emplace(event.dots.at(0), event.op.value);
    }
    std::vector<std::string> out;
    for (const auto& [dot, value] : siblings) out.push_back(value);
    return out;
  }
};

// A counter event's signed amount; 0 for a reset. An amount of 0 changes nothing.
std::int64_t signed_amount(CounterKind kind, std::int64_t amount) {
  if (kind == CounterKind::increment) return amount;
  if (kind == CounterKind::decrement) return -amount;
  return 0;
}

// CausalCounter: a reset replaces every increment and decrement in view; the value is the sum of
// those replaced by nothing.
struct CausalCounterModel {
  using Ops = CausalCounterOps;

  static Outcome expect(const Event<Ops>& event, const NetworkRun<Ops>& run,
                        const std::set<std::size_t>& live) {
    Outcome out;
    if (event.op.kind == CounterKind::reset) {
      out.overrides = live_where(
          run, live, [](const Ops::Op& other) { return other.kind != CounterKind::reset; });
      out.changes = !out.overrides.empty();
    } else {
      out.changes = event.op.amount != 0;
    }
    return out;
  }

  static std::int64_t value_of(const NetworkRun<Ops>& run, const std::set<std::size_t>& live) {
    std::int64_t sum = 0;
    for (std::size_t e : live) sum += signed_amount(run.events[e].op.kind, run.events[e].op.amount);
    return sum;
  }
};

// The cart: per key, a counter as above; remove(key) replaces the key's events in view, clear
// every event in view. A key is present iff one of its increments or decrements was replaced by
// nothing, and reads their sum.
struct CartModel {
  using Ops = CartOps;

  static bool is_amount(const Ops::Op& op) {
    return op.kind == MapKind::update && op.counter != CounterKind::reset;
  }

  static Outcome expect(const Event<Ops>& event, const NetworkRun<Ops>& run,
                        const std::set<std::size_t>& live) {
    const Ops::Op& op = event.op;
    Outcome out;
    if (is_amount(op)) {
      out.changes = op.amount != 0;
      return out;
    }
    const bool whole_map = op.kind == MapKind::clear;
    out.overrides = live_where(run, live, [&](const Ops::Op& other) {
      return is_amount(other) && (whole_map || other.key == op.key);
    });
    out.changes = !out.overrides.empty();
    return out;
  }

  static std::map<std::string, std::int64_t> value_of(const NetworkRun<Ops>& run,
                                                      const std::set<std::size_t>& live) {
    std::map<std::string, std::int64_t> out;
    for (std::size_t e : live) {
      const Ops::Op& op = run.events[e].op;
      if (is_amount(op)) out[op.key] += signed_amount(op.counter, op.amount);
    }
    return out;
  }
};

// ORMap<std::string, ORSet<std::string>>: per key, an add-wins set as above; remove(key) and a
// clear of the key's set replace the key's adds in view, clear every add in view. A key is
// present iff its set is not empty.
struct ORMapOfSetsModel {
  using Ops = ORMapOfSetsOps;
  using SetKind = ORSetOps::Kind;

  static bool is_add(const Ops::Op& op) {
    return op.kind == MapKind::update && op.element_op == SetKind::add;
  }

  static Outcome expect(const Event<Ops>& event, const NetworkRun<Ops>& run,
                        const std::set<std::size_t>& live) {
    const Ops::Op& op = event.op;
    const bool whole_map = op.kind == MapKind::clear;
    const bool whole_key = op.kind == MapKind::remove ||
                           (op.kind == MapKind::update && op.element_op == SetKind::clear);
    Outcome out;
    out.overrides = live_where(run, live, [&](const Ops::Op& other) {
      if (!is_add(other)) return false;
      if (whole_map) return true;
      return other.key == op.key && (whole_key || other.element == op.element);
    });
    out.changes = is_add(op) || !out.overrides.empty();
    return out;
  }

  static std::map<std::string, std::vector<std::string>> value_of(
      const NetworkRun<Ops>& run, const std::set<std::size_t>& live) {
    std::map<std::string, std::set<std::string>> sets;
    for (std::size_t e : live) {
      const Ops::Op& op = run.events[e].op;
      if (is_add(op)) sets[op.key].insert(op.element);
    }
    std::map<std::string, std::vector<std::string>> out;
    for (const auto& [key, elements] : sets) out[key] = {elements.begin(), elements.end()};
    return out;
  }
};

// PNCounter: the sum of every increment minus every decrement known.
struct PNCounterModel {
  using Ops = PNCounterOps;
  static constexpr bool kCumulative = true;

  static Outcome expect(const Event<Ops>& event, const NetworkRun<Ops>&,
                        const std::set<std::size_t>&) {
    Outcome out;
    out.changes = event.op.amount != 0;
    return out;
  }

  static std::int64_t value_of(const NetworkRun<Ops>& run, const std::set<std::size_t>& live) {
    std::int64_t sum = 0;
    for (std::size_t e : live) {
      const auto amount = static_cast<std::int64_t>(run.events[e].op.amount);
      sum += run.events[e].op.kind == Ops::Kind::increment ? amount : -amount;
    }
    return sum;
  }
};

// LWWRegister: the known write with the greatest (stamp, writer, dot counter) wins. discarded()
// counts the known writes that are neither the winner nor in the winner's causal past.
struct LWWRegisterModel {
  using Ops = LWWRegisterOps;
  using Type = Ops::Type;

  static auto order(const Event<Ops>& e) {
    return std::make_tuple(e.delta->stamp(), e.dots.at(0).replica, e.dots.at(0).counter);
  }

  static std::optional<std::size_t> winner(const NetworkRun<Ops>& run,
                                           const std::set<std::size_t>& known) {
    std::optional<std::size_t> best;
    for (std::size_t e : known) {
      if (!best || order(run.events[*best]) < order(run.events[e])) best = e;
    }
    return best;
  }

  // A write is always stamped above every write its replica had seen, so it replaces the value
  // read there even when a skewed clock wrote that value.
  static Outcome expect(const Event<Ops>& event, const NetworkRun<Ops>& run,
                        const std::set<std::size_t>& live) {
    for (std::size_t e : live) RC_ASSERT(run.events[e].delta->stamp() < event.delta->stamp());
    return Outcome{};
  }

  static std::optional<std::string> value_of(const NetworkRun<Ops>& run,
                                             const std::set<std::size_t>& live) {
    const auto w = winner(run, live);
    if (!w) return std::nullopt;
    return run.events[*w].op.value;
  }

  static void check_step(const NetworkRun<Ops>& run) {
    for (std::size_t r = 0; r < run.replicas.size(); ++r) {
      const Type& state = run.replicas[r];
      const auto w = winner(run, run.known[r]);
      if (!w) {
        RC_ASSERT(state.discarded() == 0u);
        continue;
      }
      const Event<Ops>& won = run.events[*w];
      RC_ASSERT(state.stamp() == won.delta->stamp());
      RC_ASSERT(state.writer() == run.ids[won.replica]);
      std::uint64_t discarded = 0;
      for (std::size_t e : run.known[r]) {
        if (e != *w && !won.past.contains(e)) ++discarded;
      }
      RC_ASSERT(state.discarded() == discarded);
    }
  }
};

// BoundedCounter: the floor plus every applied increment minus every applied decrement. A
// replica's rights are its increments plus the transfers it received, minus its decrements and
// the transfers it sent; a decrement or transfer of more than the rights in view is refused.
struct BoundedCounterModel {
  using Ops = BoundedCounterOps;
  using Kind = Ops::Kind;
  static constexpr bool kCumulative = true;

  // rights(r) as the events in `known` give them; may be negative in a partial view.
  static std::int64_t rights(const NetworkRun<Ops>& run, const std::set<std::size_t>& known,
                             ReplicaId replica) {
    std::int64_t sum = 0;
    for (std::size_t e : known) {
      const Event<Ops>& event = run.events[e];
      const auto amount = static_cast<std::int64_t>(event.op.amount);
      const ReplicaId self = run.ids[event.replica];
      const ReplicaId to = run.ids[event.op.to % run.ids.size()];
      switch (event.op.kind) {
        case Kind::increment:
          if (self == replica) sum += amount;
          break;
        case Kind::decrement:
          if (self == replica) sum -= amount;
          break;
        case Kind::transfer:
          if (self == replica) sum -= amount;
          if (to == replica) sum += amount;
          break;
      }
    }
    return sum;
  }

  // Floor + increments - decrements, not clamped.
  static std::int64_t raw_value(const NetworkRun<Ops>& run, const std::set<std::size_t>& known) {
    std::int64_t sum = BoundedCounter::kFloor;
    for (std::size_t e : known) {
      const Event<Ops>& event = run.events[e];
      const auto amount = static_cast<std::int64_t>(event.op.amount);
      if (event.op.kind == Kind::increment) sum += amount;
      if (event.op.kind == Kind::decrement) sum -= amount;
    }
    return sum;
  }

  static Outcome expect(const Event<Ops>& event, const NetworkRun<Ops>& run,
                        const std::set<std::size_t>& live) {
    const Ops::Op& op = event.op;
    const ReplicaId self = run.ids[event.replica];
    Outcome out;
    if (op.amount == 0 || (op.kind == Kind::transfer && run.ids[op.to % run.ids.size()] == self)) {
      out.changes = false;
    } else if (op.kind != Kind::increment) {
      out.refused = rights(run, live, self) < static_cast<std::int64_t>(op.amount);
    }
    return out;
  }

  // A partial view (a decrement received before what funded it) reads the floor.
  static std::int64_t value_of(const NetworkRun<Ops>& run, const std::set<std::size_t>& live) {
    return std::max(BoundedCounter::kFloor, raw_value(run, live));
  }

  static void check_step(const NetworkRun<Ops>& run) {
    std::set<std::size_t> everything;
    BoundedCounter all;
    for (std::size_t r = 0; r < run.replicas.size(); ++r) {
      const BoundedCounter& state = run.replicas[r];
      RC_ASSERT(state.value() >= 0);
      for (ReplicaId id : run.ids) {
        const std::int64_t expected = rights(run, run.known[r], id);
        RC_ASSERT(state.rights(id) ==
                  static_cast<std::uint64_t>(std::max<std::int64_t>(0, expected)));
      }
      // A replica that took deltas in causal order never holds a decrement without what funded
      // it, so even its unclamped value respects the floor.
      if (run.delivery == Delivery::causal) RC_ASSERT(raw_value(run, run.known[r]) >= 0);
      everything.insert(run.known[r].begin(), run.known[r].end());
      all.merge(state);
    }
    // Whatever the delivery, the operations made so far never overdraw.
    RC_ASSERT(raw_value(run, everything) >= 0);
    RC_ASSERT(all.value() == raw_value(run, everything));
  }
};

std::set<std::size_t> effective_events(const auto& run) {
  std::set<std::size_t> out;
  for (std::size_t e = 0; e < run.events.size(); ++e) {
    if (run.events[e].effective()) out.insert(e);
  }
  return out;
}

template <class Model>
void check_convergence(Delivery delivery) {
  using Ops = typename Model::Ops;
  rc::prop("all replicas converge to what the model computes from every event", [delivery] {
    const auto script = *gen_script<Ops>(network_shape());
    const NetworkRun<Ops> run = run_network<Ops, Model>(script, delivery);
    for (std::size_t r = 1; r < run.replicas.size(); ++r) {
      RC_ASSERT(run.replicas[r] == run.replicas.front());
    }
    const std::set<std::size_t> all = effective_events(run);
    for (std::size_t r = 0; r < run.replicas.size(); ++r) RC_ASSERT(run.known[r] == all);
    RC_ASSERT(run.replicas.front().value() == Model::value_of(run, live_events(run.events, all)));
    if constexpr (std::is_same_v<Model, BoundedCounterModel>) {
      std::uint64_t rights = 0;
      for (ReplicaId id : run.ids) rights += run.replicas.front().rights(id);
      RC_ASSERT(rights == static_cast<std::uint64_t>(run.replicas.front().value()));
    }
  });
}

}  // namespace

TEST_CASE("ORSet<std::string>: replicas converge to the add-wins model (causal delivery)",
          "[convergence][or_set]") {
  check_convergence<ORSetModel>(Delivery::causal);
}
TEST_CASE("ORSet<std::string>: replicas converge to the add-wins model (any delivery order)",
          "[convergence][or_set][any_order]") {
  check_convergence<ORSetModel>(Delivery::any);
}
TEST_CASE("MVRegister<std::string>: replicas converge to the sibling model (causal delivery)",
          "[convergence][mv_register]") {
  check_convergence<MVRegisterModel>(Delivery::causal);
}
TEST_CASE("MVRegister<std::string>: replicas converge to the sibling model (any delivery order)",
          "[convergence][mv_register][any_order]") {
  check_convergence<MVRegisterModel>(Delivery::any);
}
TEST_CASE("CausalCounter: replicas converge to the reset model (causal delivery)",
          "[convergence][causal_counter]") {
  check_convergence<CausalCounterModel>(Delivery::causal);
}
TEST_CASE("CausalCounter: replicas converge to the reset model (any delivery order)",
          "[convergence][causal_counter][any_order]") {
  check_convergence<CausalCounterModel>(Delivery::any);
}
TEST_CASE("ORMap<std::string, CausalCounter>: the cart converges to its model (causal delivery)",
          "[convergence][or_map][cart]") {
  check_convergence<CartModel>(Delivery::causal);
}
TEST_CASE("ORMap<std::string, CausalCounter>: the cart converges to its model (any delivery order)",
          "[convergence][or_map][cart][any_order]") {
  check_convergence<CartModel>(Delivery::any);
}
TEST_CASE(
    "ORMap<std::string, ORSet<std::string>>: replicas converge to the model (causal delivery)",
    "[convergence][or_map]") {
  check_convergence<ORMapOfSetsModel>(Delivery::causal);
}
TEST_CASE(
    "ORMap<std::string, ORSet<std::string>>: replicas converge to the model (any delivery order)",
    "[convergence][or_map][any_order]") {
  check_convergence<ORMapOfSetsModel>(Delivery::any);
}
TEST_CASE("PNCounter: replicas converge to the sum (causal delivery)",
          "[convergence][pn_counter]") {
  check_convergence<PNCounterModel>(Delivery::causal);
}
TEST_CASE("PNCounter: replicas converge to the sum (any delivery order)",
          "[convergence][pn_counter][any_order]") {
  check_convergence<PNCounterModel>(Delivery::any);
}
TEST_CASE("LWWRegister<std::string>: replicas converge to the greatest write (causal delivery)",
          "[convergence][lww_register]") {
  check_convergence<LWWRegisterModel>(Delivery::causal);
}
TEST_CASE("LWWRegister<std::string>: replicas converge to the greatest write (any delivery order)",
          "[convergence][lww_register][any_order]") {
  check_convergence<LWWRegisterModel>(Delivery::any);
}
TEST_CASE("BoundedCounter: replicas converge and never overdraw (causal delivery)",
          "[convergence][bounded_counter]") {
  check_convergence<BoundedCounterModel>(Delivery::causal);
}
TEST_CASE("BoundedCounter: replicas converge and never overdraw (any delivery order)",
          "[convergence][bounded_counter][any_order]") {
  check_convergence<BoundedCounterModel>(Delivery::any);
}

}  // namespace crdt::props
