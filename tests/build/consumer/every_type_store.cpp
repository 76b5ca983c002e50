// Every type of the library stored and read back with nothing but its header and the store's, the
// store's header first (every_type_node.cpp includes the node's first; the README's examples
// include the type headers first): against the installed package, the includes a user writes are
// enough in any order.
#include <crdt/persist/store.hpp>
// The type headers after the store's on purpose.
#include <cstdint>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <crdt/bounded_counter.hpp>
#include <crdt/causal_counter.hpp>
#include <crdt/lww_register.hpp>
#include <crdt/mv_register.hpp>
#include <crdt/or_map.hpp>
#include <crdt/or_set.hpp>
#include <crdt/pn_counter.hpp>
#include <crdt/text.hpp>

int check_node();  // every_type_node.cpp

namespace {

using Writer = crdt::persist::Writer;

template <class T, class F>
bool stores(crdt::persist::Store& store, const std::string& doc, F mutate,
            bool (*holds)(const T&)) {
  store.update<T>(doc, mutate);
  const std::optional<T> read = store.read<T>(doc);
  const bool ok = read && holds(*read);
  std::cout << (ok ? "  stored " : "  FAILED ") << doc << '\n';
  return ok;
}

}  // namespace

int main() {
  auto store = crdt::persist::Store::open("every_type.db");
  bool ok = true;
  ok &= stores<crdt::ORSet<std::string>>(
      store, "orset", [](auto& s, Writer& w) { return s.add(w.replica(), "tag"); },
      [](const auto& s) { return s.contains("tag"); });
  ok &= stores<crdt::PNCounter>(
      store, "pncounter", [](auto& c, Writer& w) { return c.increment(w.replica(), 3); },
      [](const auto& c) { return c.value() >= 3; });
  ok &= stores<crdt::CausalCounter>(
      store, "ccounter", [](auto& c, Writer& w) { return c.increment(w.replica(), 2); },
      [](const auto& c) { return c.value() >= 2; });
  ok &= stores<crdt::BoundedCounter>(
      store, "bcounter", [](auto& c, Writer& w) { return c.increment(w.replica(), 5); },
      [](const auto& c) { return c.value() >= 5; });
  ok &= stores<crdt::BoundedCounter>(
      store, "bcounter", [](auto& c, Writer& w) { return c.decrement(w.replica(), 1); },
      [](const auto& c) { return c.value() >= 4; });
  ok &= stores<crdt::LWWRegister<std::string>>(
      store, "lww", [](auto& r, Writer& w) { return r.set(w.replica(), w.clock(), "dark"); },
      [](const auto& r) { return r.value() == "dark"; });
  ok &= stores<crdt::MVRegister<std::int64_t>>(
      store, "mv", [](auto& r, Writer& w) { return r.write(w.replica(), 7); },
      [](const auto& r) { return r.value() == std::vector<std::int64_t>{7}; });
  ok &= stores<crdt::ORMap<std::string, crdt::ORSet<std::string>>>(
      store, "ormap",
      [](auto& m, Writer& w) {
        return m.update(w.replica(), "k", [&](auto& s) { return s.add(w.replica(), "v"); });
      },
      [](const auto& m) { return m.contains("k"); });
  ok &= stores<crdt::Text>(
      store, "text", [](auto& t, Writer& w) { return t.insert(w.replica(), 0, "héllo"); },
      [](const auto& t) { return t.size() >= 5; });
  ok &= check_node() == 0;
  if (!ok) return 1;
  std::cout << "every type stored, read and synced\n";
  return 0;
}
