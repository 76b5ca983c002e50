// The README's sync example: two nodes in one process, a hub listening on 127.0.0.1 (a free port)
// and a phone dialing it with the cluster's secret. Each adds to the same cart; the program exits
// 0 only when both read the same cart, with both additions, within a bounded time.
// Built and run against the installed package by tests/build/check_consumer.cmake.
#include <atomic>
#include <chrono>
#include <iostream>
#include <optional>
#include <string>
#include <thread>

#include <crdt/causal_counter.hpp>
#include <crdt/or_map.hpp>
#include <crdt/sync/node.hpp>

using Cart = crdt::ORMap<std::string, crdt::CausalCounter>;

std::string show(const std::optional<Cart>& cart) {
  std::string out = "{";
  if (cart) {
    for (const auto& [item, quantity] : cart->value()) {
      out += (out.size() > 1 ? ", " : "") + item + ": " + std::to_string(quantity);
    }
  }
  return out + "}";
}

int main() {
  const std::string key = "the cluster's pre-shared secret";
  const crdt::sync::Bytes secret_bytes(key.begin(), key.end());

  crdt::sync::NodeOptions hub_options;
  hub_options.listen = {crdt::sync::Address{"127.0.0.1", 0}};  // port 0: any free port
  hub_options.secret = secret_bytes;
  auto hub = crdt::sync::Node::open("hub.db", hub_options);

  crdt::sync::NodeOptions options;
  options.peers = hub->bound();     // this node dials the hub (where it listens)
  options.secret = secret_bytes;    // the cluster's pre-shared key
  options.subscribe = {"user42/"};  // only these documents (default: all)
  auto node = crdt::sync::Node::open("phone.db", options);

  std::atomic<bool> hub_heard_milk = false;
  auto cart_changes = hub->subscribe<Cart>(
      "user42/", [&](const std::string& doc, const crdt::MapChange<std::string>& c) {
        // c.added, c.removed, c.updated: the keys; local writes, merges and other processes' writes
        for (const auto& keys : {c.added, c.updated}) {
          for (const std::string& item : keys) {
            if (doc == "user42/cart" && item == "milk") hub_heard_milk = true;
          }
        }
      });
  if (!node->wait_synced(std::chrono::seconds(10))) {
    std::cerr << "the phone did not sync with the hub: " << node->refusal().value_or("timeout")
              << '\n';
    return 1;
  }

  node->update<Cart>("user42/cart", [](Cart& cart, crdt::persist::Writer& w) {
    return cart.update(w.replica(), "milk",
                       [&](crdt::CausalCounter& n) { return n.increment(w.replica(), 1); });
  });  // durable, then pushed to connected peers
  hub->update<Cart>("user42/cart", [](Cart& cart, crdt::persist::Writer& w) {
    return cart.update(w.replica(), "bread",
                       [&](crdt::CausalCounter& n) { return n.increment(w.replica(), 2); });
  });
  std::string metrics = node->status_json();  // per peer: what it misses, bytes, last contact

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::optional<Cart> on_hub, on_phone;
  bool converged = false;
  while (!converged && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    on_hub = hub->read<Cart>("user42/cart");
    on_phone = node->read<Cart>("user42/cart");
    converged = on_hub && on_hub == on_phone && on_hub->contains("milk") &&
                on_hub->contains("bread") && hub_heard_milk;
  }
  std::cout << (converged ? "converged" : "DIVERGED") << ": hub " << show(on_hub) << ", phone "
            << show(on_phone) << ", phone status " << metrics.size() << " bytes of JSON\n";
  return converged ? 0 : 1;
}
