// Join laws, checked for every type on states reached by real replica histories (deltas
// delivered in any order): merge is commutative, associative and idempotent, and bottom (a
// default-constructed state) is its identity. Together these make any order of merges, with any
// repetition, reach the same state.
#include <rapidcheck/catch.h>

#include "support/replica_history.hpp"
#include "support/type_ops.hpp"

namespace crdt::props {
namespace {

template <class Ops>
void check_join_laws() {
  using T = typename Ops::Type;

  rc::prop("join is commutative", [] {
    const History<T> h = gen_history<Ops>(Delivery::any);
    const T& a = pick_state(h);
    const T& b = pick_state(h);
    RC_ASSERT(joined(a, b) == joined(b, a));
  });

  rc::prop("join is associative", [] {
    const History<T> h = gen_history<Ops>(Delivery::any);
    const T& a = pick_state(h);
    const T& b = pick_state(h);
    const T& c = pick_state(h);
    RC_ASSERT(joined(joined(a, b), c) == joined(a, joined(b, c)));
  });

  rc::prop("join is idempotent", [] {
    const History<T> h = gen_history<Ops>(Delivery::any);
    const T& a = pick_state(h);
    const T& b = pick_state(h);
    RC_ASSERT(joined(a, a) == a);
    const T ab = joined(a, b);
    RC_ASSERT(joined(ab, b) == ab);
    RC_ASSERT(joined(ab, a) == ab);
  });

  rc::prop("bottom is the identity of join, and empty() recognizes it", [] {
    const History<T> h = gen_history<Ops>(Delivery::any);
    const T& a = pick_state(h);
    RC_ASSERT(T{}.empty());
    RC_ASSERT(joined(a, T{}) == a);
    RC_ASSERT(joined(T{}, a) == a);
    RC_ASSERT(a.empty() == (a == T{}));
  });
}

}  // namespace

TEST_CASE("ORSet<std::string>: join is a semilattice on reachable states", "[laws][or_set]") {
  check_join_laws<ORSetOps>();
}
TEST_CASE("MVRegister<std::string>: join is a semilattice on reachable states",
          "[laws][mv_register]") {
  check_join_laws<MVRegisterOps>();
}
TEST_CASE("CausalCounter: join is a semilattice on reachable states", "[laws][causal_counter]") {
  check_join_laws<CausalCounterOps>();
}
TEST_CASE("ORMap<std::string, CausalCounter>: join is a semilattice on reachable states",
          "[laws][or_map][cart]") {
  check_join_laws<CartOps>();
}
TEST_CASE("ORMap<std::string, ORSet<std::string>>: join is a semilattice on reachable states",
          "[laws][or_map]") {
  check_join_laws<ORMapOfSetsOps>();
}

TEST_CASE("PNCounter: join is a semilattice on reachable states", "[laws][pn_counter]") {
  check_join_laws<PNCounterOps>();
}
TEST_CASE("LWWRegister<std::string>: join is a semilattice on reachable states",
          "[laws][lww_register]") {
  check_join_laws<LWWRegisterOps>();
}
TEST_CASE("BoundedCounter: join is a semilattice on reachable states", "[laws][bounded_counter]") {
  check_join_laws<BoundedCounterOps>();
}

}  // namespace crdt::props
