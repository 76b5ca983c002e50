// The README's persistence example: open a store, update a cart in it, read the cart back.
// Built and run against the installed package by tests/build/check_consumer.cmake.
#include <cstdint>
#include <iostream>
#include <optional>
#include <string>

#include <crdt/causal_counter.hpp>
#include <crdt/or_map.hpp>
#include <crdt/persist/store.hpp>

using Cart = crdt::ORMap<std::string, crdt::CausalCounter>;

std::int64_t milk(const std::optional<Cart>& cart) {
  return cart && cart->contains("milk") ? cart->value().at("milk") : 0;
}

int main() {
  auto store = crdt::persist::Store::open("app.db");  // created on first use, random replica id
  const std::int64_t before = milk(store.read<Cart>("cart:alice"));
  store.update<Cart>("cart:alice", [](Cart& cart, crdt::persist::Writer& w) {
    return cart.update(w.replica(), "milk",
                       [&](crdt::CausalCounter& c) { return c.increment(w.replica(), 2); });
  });  // durable when it returns (one transaction)
  std::optional<Cart> cart = store.read<Cart>("cart:alice");  // the wrong T is an Error(wrong_type)
  std::cout << "cart:alice milk: " << milk(cart) << '\n';
  return milk(cart) == before + 2 ? 0 : 1;
}
