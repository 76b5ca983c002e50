// The README's API example: a cart edited on two replicas, merged by deltas, a removal concurrent
// with an increment. Built and run against the installed package by
// tests/build/check_consumer.cmake.
#include <iostream>
#include <string>

#include <crdt/causal_counter.hpp>
#include <crdt/or_map.hpp>

using Cart = crdt::ORMap<std::string, crdt::CausalCounter>;

int main() {
  crdt::ReplicaId phone = crdt::ReplicaId::random(), laptop = crdt::ReplicaId::random();
  Cart a, b;

  // A mutator applies itself locally and returns the delta to ship.
  Cart delta =
      a.update(phone, "milk", [&](crdt::CausalCounter& c) { return c.increment(phone, 2); });
  b.merge(delta);  // deltas may arrive late, twice, or out of order

  Cart removal = b.remove(laptop, "milk");  // resets the 2 milk b has seen
  a.merge(a.update(phone, "milk", [&](crdt::CausalCounter& c) { return c.increment(phone, 1); }));
  a.merge(removal);
  b.merge(a.delta_since(b.context()));                   // catch-up: exactly what b lacks
  if (!(a == b && a.value().at("milk") == 1)) return 1;  // the concurrent +1 survives the removal

  std::cout << "converged: milk " << a.value().at("milk") << '\n';
  return 0;
}
