// The README's serialization example: a cart encoded to bytes and decoded back, and a truncated
// input refused with a message. Built and run against the installed package by
// tests/build/check_consumer.cmake.
#include <cstdint>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include <crdt/causal_counter.hpp>
#include <crdt/or_map.hpp>
#include <crdt/serialization/all.hpp>

using Cart = crdt::ORMap<std::string, crdt::CausalCounter>;

int main() {
  const crdt::ReplicaId phone = crdt::ReplicaId::random();
  Cart a;
  a.update(phone, "milk", [&](crdt::CausalCounter& c) { return c.increment(phone, 2); });

  std::vector<std::uint8_t> bytes = crdt::serialization::encode(a);
  auto decoded = crdt::serialization::decode<Cart>(bytes);  // errors are values, never a crash
  if (!decoded) std::cerr << decoded.message() << '\n';     // e.g. "input ends: ..."
  Cart copy = std::move(decoded).value();

  bytes.pop_back();
  auto truncated = crdt::serialization::decode<Cart>(bytes);
  if (!(copy == a) || truncated) return 1;
  std::cout << "round trip: " << bytes.size() + 1
            << " bytes; one byte short: " << truncated.message() << '\n';
  return 0;
}
