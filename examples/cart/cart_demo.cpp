// Two replicas of a shopping cart (a phone and a laptop) go offline, edit the same cart, then meet
// again. The cart is an ORMap<std::string, CausalCounter>: quantities add up, a removal resets
// only what the remover had seen, and both replicas end in the same state whatever the order in
// which they exchange their changes.
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include <crdt/causal_counter.hpp>
#include <crdt/or_map.hpp>

namespace {

using Cart = crdt::ORMap<std::string, crdt::CausalCounter>;

void show(const std::string& who, const Cart& cart) {
  std::cout << "  " << who << ": {";
  const char* separator = "";
  for (const auto& [item, quantity] : cart.value()) {
    std::cout << separator << item << ": " << quantity;
    separator = ", ";
  }
  std::cout << "}\n";
}

Cart add(Cart& cart, crdt::ReplicaId replica, const std::string& item, std::int64_t quantity) {
  return cart.update(replica, item, [&](crdt::CausalCounter& counter) {
    return counter.increment(replica, quantity);
  });
}

}  // namespace

int main() {
  const crdt::ReplicaId phone = crdt::ReplicaId::random();
  const crdt::ReplicaId laptop = crdt::ReplicaId::random();
  Cart on_phone, on_laptop;

  std::cout << "Online: the phone adds 2 milk and 1 bread; the laptop receives the deltas.\n";
  on_laptop.merge(add(on_phone, phone, "milk", 2));
  on_laptop.merge(add(on_phone, phone, "bread", 1));
  show("phone ", on_phone);
  show("laptop", on_laptop);

  std::cout << "Offline: each side edits the cart without seeing the other.\n";
  std::vector<Cart> from_phone, from_laptop;
  from_phone.push_back(add(on_phone, phone, "milk", 1));      // one more milk
  from_phone.push_back(on_phone.remove(phone, "bread"));      // no bread after all
  from_laptop.push_back(on_laptop.remove(laptop, "milk"));    // milk removed as seen: 2
  from_laptop.push_back(add(on_laptop, laptop, "bread", 3));  // bread, concurrently
  from_laptop.push_back(add(on_laptop, laptop, "eggs", 12));
  show("phone ", on_phone);
  show("laptop", on_laptop);

  std::cout << "Back online: each side merges the other's deltas (in opposite orders).\n";
  for (const auto& delta : from_laptop) on_phone.merge(delta);
  for (auto it = from_phone.rbegin(); it != from_phone.rend(); ++it) on_laptop.merge(*it);
  show("phone ", on_phone);
  show("laptop", on_laptop);

  const bool converged = on_phone == on_laptop;
  const auto cart = on_phone.value();
  // The laptop's removal reset the 2 milk it had seen; the phone's concurrent +1 survives.
  // The phone's removal of bread did not see the laptop's +3, so that survives too.
  const bool expected =
      cart.size() == 3 && cart.at("milk") == 1 && cart.at("bread") == 3 && cart.at("eggs") == 12;
  std::cout << (converged ? "Converged" : "DIVERGED") << ": milk 1 (the concurrent add survives "
            << "the removal), bread 3, eggs 12 " << (expected ? "as expected" : "UNEXPECTED")
            << ".\n";
  return converged && expected ? EXIT_SUCCESS : EXIT_FAILURE;
}
