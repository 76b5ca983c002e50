// Delta laws, checked for every type on real replica histories: the deltas that mutators return
// are states of the same type, and merging them in any order, any number of times, gives the
// same state as merging full states. This is what lets the network drop, duplicate and reorder
// deltas: a replica's state is exactly the join of the deltas it has taken in. The histories
// deliver deltas in any order.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <set>
#include <vector>

#include <rapidcheck/catch.h>

#include "support/replica_history.hpp"
#include "support/type_ops.hpp"

namespace crdt::props {
namespace {

// The join of the given deltas, in a random order, some of them merged more than once.
template <class T>
T join_shuffled(const std::vector<T>& deltas, const std::set<std::size_t>& which) {
  std::vector<std::size_t> order(which.begin(), which.end());
  if (!order.empty()) {
    const auto repeats =
        *rc::gen::container<std::vector<std::size_t>>(uniform_in<std::size_t>(0, order.size()));
    const std::size_t distinct = order.size();
    for (std::size_t r : repeats) order.push_back(order[r % distinct]);
  }
  const auto keys = *rc::gen::container<std::vector<std::uint32_t>>(
      order.size(), rc::gen::arbitrary<std::uint32_t>());
  std::vector<std::size_t> position(order.size());
  std::iota(position.begin(), position.end(), std::size_t{0});
  std::stable_sort(position.begin(), position.end(),
                   [&keys](std::size_t x, std::size_t y) { return keys[x] < keys[y]; });
  T out;
  for (std::size_t p : position) out.merge(deltas[order[p]]);
  return out;
}

template <class Ops>
void check_delta_laws() {
  using T = typename Ops::Type;

  rc::prop("each replica's state is the join of its deltas in any order, with duplicates", [] {
    const History<T> h = gen_history<Ops>(Delivery::any);
    for (std::size_t r = 0; r < h.replicas.size(); ++r) {
      RC_ASSERT(join_shuffled(h.deltas, h.incorporated[r]) == h.replicas[r]);
    }
  });

  rc::prop("merging every delta in any order equals merging every full state", [] {
    const History<T> h = gen_history<Ops>(Delivery::any);
    std::set<std::size_t> all;
    for (std::size_t i = 0; i < h.deltas.size(); ++i) all.insert(i);
    T states;
    for (const T& replica : h.replicas) states.merge(replica);
    RC_ASSERT(join_shuffled(h.deltas, all) == states);
  });

  rc::prop("every reachable state and every delta is well formed", [] {
    const History<T> h = gen_history<Ops>(Delivery::any);
    for (const T& state : h.snapshots) RC_ASSERT(state.well_formed());
    for (const T& delta : h.deltas) RC_ASSERT(delta.well_formed());
  });
}

}  // namespace

TEST_CASE("ORSet<std::string>: deltas merge like full states", "[laws][or_set]") {
  check_delta_laws<ORSetOps>();
}
TEST_CASE("MVRegister<std::string>: deltas merge like full states", "[laws][mv_register]") {
  check_delta_laws<MVRegisterOps>();
}
TEST_CASE("CausalCounter: deltas merge like full states", "[laws][causal_counter]") {
  check_delta_laws<CausalCounterOps>();
}
TEST_CASE("ORMap<std::string, CausalCounter>: deltas merge like full states",
          "[laws][or_map][cart]") {
  check_delta_laws<CartOps>();
}
TEST_CASE("ORMap<std::string, ORSet<std::string>>: deltas merge like full states",
          "[laws][or_map]") {
  check_delta_laws<ORMapOfSetsOps>();
}

TEST_CASE("PNCounter: deltas merge like full states", "[laws][pn_counter]") {
  check_delta_laws<PNCounterOps>();
}
TEST_CASE("LWWRegister<std::string>: deltas merge like full states", "[laws][lww_register]") {
  check_delta_laws<LWWRegisterOps>();
}
TEST_CASE("BoundedCounter: deltas merge like full states", "[laws][bounded_counter]") {
  check_delta_laws<BoundedCounterOps>();
}

}  // namespace crdt::props
