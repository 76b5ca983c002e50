// delta_since laws, checked for every type on real replica histories (a and b are any two states
// the history went through, bottom included):
// - b ⊔ a.delta_since(ctx(b)) == b ⊔ a: the delta is all that b lacks;
// - the delta's payload holds no event (dot) that ctx(b) covers: nothing is sent twice;
// - the delta is part of a (a ⊔ delta == a), and a peer that has seen all of a gets bottom, so
//   a.delta_since(ctx(a)) is bottom;
// - two states with the same context are equal (every state change issues a dot), which is what
//   lets delta_since answer bottom to a peer whose context covers its own.
//
// Each type is checked twice: on histories whose deltas reach replicas in causal order (what the
// sync engine's delta log delivers), and on histories where single deltas arrive in any order.
// The second is the hard case for the causal types: a delta that supersedes earlier events names
// only the dots it superseded itself, so a replica that receives it without the deltas in
// between learns of dots whose own cancellations it has not applied. With a single context
// (before CausalState kept `complete` apart from `causal`) this failed for ORSet, MVRegister and
// ORMap<std::string, ORSet<std::string>>. Smallest case found: replica A writes v1, v2, v3 to an
// MVRegister (dots A1..A3; the delta of each write names the previous dot only); replica B
// receives the deltas of the first and third writes. A = {A3: v3} and B = {A1: v1, A3: v3}, both
// with context {A1, A2, A3}: B read [v1, v3] until the second write's own delta arrived, and for
// ever if it was lost, as delta_since answered bottom both ways. The same with ORSet: A adds c
// three times, B receives the first and third deltas; even after A removed c and B received that
// delta, B still contained c.
#include <rapidcheck/catch.h>

#include "support/replica_history.hpp"
#include "support/type_ops.hpp"

namespace crdt::props {
namespace {

template <class Ops>
void check_delta_since_laws(Delivery delivery) {
  using T = typename Ops::Type;

  rc::prop("b merged with a.delta_since(ctx(b)) equals b merged with a", [delivery] {
    const History<T> h = gen_history<Ops>(delivery);
    const T& a = pick_state(h);
    const T& b = pick_state(h);
    const T delta = a.delta_since(b.context());
    RC_ASSERT(delta.well_formed());
    RC_ASSERT(joined(b, delta) == joined(b, a));
  });

  rc::prop("the delta's payload holds no dot that ctx(b) covers", [delivery] {
    const History<T> h = gen_history<Ops>(delivery);
    const T& a = pick_state(h);
    const T& b = pick_state(h);
    const T delta = a.delta_since(b.context());
    RC_ASSERT(disjoint(Ops::payload_dots(delta), b.context()));
  });

  rc::prop("the delta is part of a, and is bottom for a peer that has seen a", [delivery] {
    const History<T> h = gen_history<Ops>(delivery);
    const T& a = pick_state(h);
    const T& b = pick_state(h);
    const T delta = a.delta_since(b.context());
    RC_ASSERT(joined(a, delta) == a);
    RC_ASSERT(a.delta_since(a.context()).empty());
    if (a.context().subset_of(b.context())) RC_ASSERT(delta.empty());
    RC_ASSERT(joined(T{}, a.delta_since(VersionVector{})) == a);
  });

  rc::prop("two states with the same context are equal", [delivery] {
    const History<T> h = gen_history<Ops>(delivery);
    for (const T& a : h.snapshots) {
      for (const T& b : h.snapshots) {
        if (a.context() == b.context()) RC_ASSERT(a == b);
      }
    }
  });
}

}  // namespace

TEST_CASE("ORSet<std::string>: delta_since sends exactly what a peer lacks", "[laws][or_set]") {
  check_delta_since_laws<ORSetOps>(Delivery::causal);
}
TEST_CASE("ORSet<std::string>: delta_since stays exact after deltas arrive out of causal order",
          "[laws][or_set][any_order]") {
  check_delta_since_laws<ORSetOps>(Delivery::any);
}
TEST_CASE("MVRegister<std::string>: delta_since sends exactly what a peer lacks",
          "[laws][mv_register]") {
  check_delta_since_laws<MVRegisterOps>(Delivery::causal);
}
TEST_CASE(
    "MVRegister<std::string>: delta_since stays exact after deltas arrive out of causal order",
    "[laws][mv_register][any_order]") {
  check_delta_since_laws<MVRegisterOps>(Delivery::any);
}
TEST_CASE("CausalCounter: delta_since sends exactly what a peer lacks", "[laws][causal_counter]") {
  check_delta_since_laws<CausalCounterOps>(Delivery::causal);
}
TEST_CASE("CausalCounter: delta_since stays exact after deltas arrive out of causal order",
          "[laws][causal_counter][any_order]") {
  check_delta_since_laws<CausalCounterOps>(Delivery::any);
}
TEST_CASE("ORMap<std::string, CausalCounter>: delta_since sends exactly what a peer lacks",
          "[laws][or_map][cart]") {
  check_delta_since_laws<CartOps>(Delivery::causal);
}
TEST_CASE(
    "ORMap<std::string, CausalCounter>: delta_since stays exact after deltas arrive out of causal "
    "order",
    "[laws][or_map][cart][any_order]") {
  check_delta_since_laws<CartOps>(Delivery::any);
}
TEST_CASE("ORMap<std::string, ORSet<std::string>>: delta_since sends exactly what a peer lacks",
          "[laws][or_map]") {
  check_delta_since_laws<ORMapOfSetsOps>(Delivery::causal);
}
TEST_CASE(
    "ORMap<std::string, ORSet<std::string>>: delta_since stays exact after deltas arrive out of "
    "causal order",
    "[laws][or_map][any_order]") {
  check_delta_since_laws<ORMapOfSetsOps>(Delivery::any);
}
TEST_CASE("PNCounter: delta_since sends exactly what a peer lacks", "[laws][pn_counter]") {
  check_delta_since_laws<PNCounterOps>(Delivery::causal);
}
TEST_CASE("PNCounter: delta_since stays exact after deltas arrive out of causal order",
          "[laws][pn_counter][any_order]") {
  check_delta_since_laws<PNCounterOps>(Delivery::any);
}
TEST_CASE("LWWRegister<std::string>: delta_since sends exactly what a peer lacks",
          "[laws][lww_register]") {
  check_delta_since_laws<LWWRegisterOps>(Delivery::causal);
}
TEST_CASE(
    "LWWRegister<std::string>: delta_since stays exact after deltas arrive out of causal order",
    "[laws][lww_register][any_order]") {
  check_delta_since_laws<LWWRegisterOps>(Delivery::any);
}
TEST_CASE("BoundedCounter: delta_since sends exactly what a peer lacks",
          "[laws][bounded_counter]") {
  check_delta_since_laws<BoundedCounterOps>(Delivery::causal);
}
TEST_CASE("BoundedCounter: delta_since stays exact after deltas arrive out of causal order",
          "[laws][bounded_counter][any_order]") {
  check_delta_since_laws<BoundedCounterOps>(Delivery::any);
}

}  // namespace crdt::props
