// Every type of the library through a Node (update, read, subscribe), the node's header first.
#include <crdt/sync/node.hpp>
// The type headers after the node's on purpose.
#include <chrono>
#include <cstdint>
#include <iostream>
#include <optional>
#include <string>
#include <thread>

#include <crdt/bounded_counter.hpp>
#include <crdt/causal_counter.hpp>
#include <crdt/lww_register.hpp>
#include <crdt/mv_register.hpp>
#include <crdt/or_map.hpp>
#include <crdt/or_set.hpp>
#include <crdt/pn_counter.hpp>
#include <crdt/text.hpp>

namespace {

using Writer = crdt::persist::Writer;

// `from` writes `doc`, then `to` must read the same state within the deadline.
template <class T, class F>
bool syncs(crdt::sync::Node& from, crdt::sync::Node& to, const std::string& doc, F mutate) {
  auto subscription = to.subscribe<T>(doc, [](const std::string&, const auto&) {});
  from.update<T>(doc, mutate);
  const std::optional<T> written = from.read<T>(doc);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  bool ok = false;
  while (!ok && std::chrono::steady_clock::now() < deadline) {
    ok = written && to.read<T>(doc) == written;
    if (!ok) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::cout << (ok ? "  synced " : "  FAILED to sync ") << doc << '\n';
  return ok;
}

}  // namespace

int check_node() {
  crdt::sync::NodeOptions hub_options;
  hub_options.listen = {crdt::sync::Address{"127.0.0.1", 0}};
  auto hub = crdt::sync::Node::open("every_type_hub.db", hub_options);
  crdt::sync::NodeOptions device_options;
  device_options.peers = hub->bound();
  auto device = crdt::sync::Node::open("every_type_device.db", device_options);
  if (!device->wait_synced(std::chrono::seconds(10))) return 1;

  bool ok = true;
  ok &= syncs<crdt::ORSet<std::string>>(
      *device, *hub, "orset", [](auto& s, Writer& w) { return s.add(w.replica(), "tag"); });
  ok &= syncs<crdt::PNCounter>(*hub, *device, "pncounter",
                               [](auto& c, Writer& w) { return c.decrement(w.replica(), 1); });
  ok &= syncs<crdt::CausalCounter>(*device, *hub, "ccounter",
                                   [](auto& c, Writer& w) { return c.increment(w.replica(), 1); });
  ok &= syncs<crdt::BoundedCounter>(*hub, *device, "bcounter",
                                    [](auto& c, Writer& w) { return c.increment(w.replica(), 2); });
  ok &= syncs<crdt::LWWRegister<std::string>>(*device, *hub, "lww", [](auto& r, Writer& w) {
    return r.set(w.replica(), w.clock(), "light");
  });
  ok &= syncs<crdt::MVRegister<std::int64_t>>(
      *hub, *device, "mv", [](auto& r, Writer& w) { return r.write(w.replica(), 8); });
  ok &= syncs<crdt::ORMap<std::string, crdt::CausalCounter>>(
      *device, *hub, "cart", [](auto& m, Writer& w) {
        return m.update(w.replica(), "milk", [&](auto& c) { return c.increment(w.replica(), 2); });
      });
  ok &= syncs<crdt::Text>(*hub, *device, "text",
                          [](auto& t, Writer& w) { return t.insert(w.replica(), 0, "wörld"); });
  return ok ? 0 : 1;
}
