#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include <crdt/causal_counter.hpp>
#include <crdt/dotted.hpp>
#include <crdt/mv_register.hpp>
#include <crdt/or_map.hpp>
#include <crdt/or_set.hpp>

namespace {

using crdt::CausalCounter;
using crdt::Dot;
using crdt::ReplicaId;
using crdt::VersionVector;

using Cart = crdt::ORMap<std::string, CausalCounter>;
using Reg = crdt::MVRegister<std::string>;
using Fields = crdt::ORMap<std::string, Reg>;
using Doc = crdt::ORMap<std::string, Fields>;
using Tags = crdt::ORMap<std::string, crdt::ORSet<std::string>>;
using Strings = std::vector<std::string>;

const ReplicaId kA{1};
const ReplicaId kB{2};
const ReplicaId kC{3};

static_assert(crdt::DeltaCrdt<Cart>);
static_assert(crdt::DottedCrdt<Cart>);
static_assert(crdt::DeltaCrdt<Doc>);
static_assert(crdt::DottedCrdt<Doc>);
static_assert(crdt::DottedCrdt<Tags>);
static_assert(crdt::DottedCrdt<crdt::ORMap<int, crdt::ORMap<int, crdt::ORMap<int, Reg>>>>);

template <class M>
M merged(M a, const M& b) {
  a.merge(b);
  return a;
}

template <class M>
void check_delta_since(const M& a, const M& b) {
  const M delta = a.delta_since(b.context());
  CHECK(merged(b, delta) == merged(b, a));
  const VersionVector payload = crdt::dots_of(delta.store());
  CHECK(payload.difference(b.context()) == payload);
  CHECK(a.delta_since(a.context()).empty());
  CHECK(delta.well_formed());
}

template <class M>
void check_delta_orders(const std::vector<M>& deltas, const M& expected) {
  std::vector<std::size_t> order(deltas.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  do {
    M once;
    for (std::size_t i : order) once.merge(deltas[i]);
    CHECK(once == expected);
    M twice = once;
    for (std::size_t i : order) twice.merge(deltas[i]);
    CHECK(twice == expected);
  } while (std::next_permutation(order.begin(), order.end()));
}

Cart add(Cart& cart, ReplicaId replica, const std::string& item, std::int64_t n) {
  return cart.update(replica, item,
                     [&](CausalCounter& count) { return count.increment(replica, n); });
}

std::int64_t quantity(const Cart& cart, const std::string& item) {
  const std::optional<CausalCounter> count = cart.get(item);
  return count ? count->value() : 0;
}

Doc set_field(Doc& doc, ReplicaId replica, const std::string& object, const std::string& field,
              const std::string& text) {
  return doc.update(replica, object, [&](Fields& fields) {
    return fields.update(replica, field, [&](Reg& reg) { return reg.write(replica, text); });
  });
}

// Counts copies, to show that update moves the stored value instead of copying it.
struct Tracked {
  static inline int copies = 0;
  std::string text;

  Tracked() = default;
  explicit Tracked(std::string t) : text(std::move(t)) {}
  Tracked(const Tracked& other) : text(other.text) { ++copies; }
  Tracked(Tracked&&) noexcept = default;
  Tracked& operator=(const Tracked& other) {
    text = other.text;
    ++copies;
    return *this;
  }
  Tracked& operator=(Tracked&&) noexcept = default;
  ~Tracked() = default;

  friend bool operator==(const Tracked&, const Tracked&) = default;
};

}  // namespace

TEST_CASE("ORMap: default construction is bottom", "[or_map]") {
  const Cart cart;
  CHECK(cart.empty());
  CHECK(cart.size() == 0);
  CHECK(cart.keys().empty());
  CHECK(cart.value().empty());
  CHECK_FALSE(cart.contains(""));
  CHECK_FALSE(cart.get("x").has_value());
  CHECK(cart.well_formed());
}

TEST_CASE("ORMap: update creates the key and returns a delta holding only it", "[or_map]") {
  Cart cart;
  add(cart, kA, "pear", 1);
  const Cart delta = add(cart, kA, "apple", 2);
  CHECK(cart.contains("apple"));
  CHECK(cart.size() == 2);
  CHECK(cart.keys() == Strings{"apple", "pear"});
  CHECK(cart.value() == std::map<std::string, std::int64_t>{{"apple", 2}, {"pear", 1}});
  CHECK(delta.keys() == Strings{"apple"});
  CHECK(delta.context().count() == 1);
  CHECK(delta.context().contains(Dot{kA, 2}));
  CHECK(quantity(delta, "apple") == 2);
  CHECK(merged(Cart{}, delta).value() == std::map<std::string, std::int64_t>{{"apple", 2}});
  CHECK(cart.well_formed());
}

TEST_CASE("ORMap: the value passed to update shares the map's context", "[or_map]") {
  Cart cart;
  add(cart, kA, "a", 1);
  add(cart, kA, "b", 1);
  const Cart delta = add(cart, kA, "a", 1);
  CHECK(delta.context().contains(Dot{kA, 3}));
  CHECK(cart.store().at("a").size() == 2);
  CHECK(cart.context().contiguous(kA) == 3);
}

TEST_CASE("ORMap: an update whose value delta is bottom changes nothing", "[or_map]") {
  Cart cart;
  SECTION("a new key is not created") {
    const Cart delta = add(cart, kA, "x", 0);
    CHECK(delta.empty());
    CHECK_FALSE(cart.contains("x"));
    CHECK(cart.empty());
  }
  SECTION("an existing key is kept as it was") {
    add(cart, kA, "x", 2);
    const Cart before = cart;
    CHECK(add(cart, kA, "x", 0).empty());
    CHECK(cart == before);
  }
  SECTION("a nested remove of something absent") {
    Tags tags;
    const Tags delta =
        tags.update(kA, "k", [](crdt::ORSet<std::string>& s) { return s.remove(kA, "none"); });
    CHECK(delta.empty());
    CHECK(tags.empty());
  }
}

TEST_CASE("ORMap: an update that empties the value removes the key", "[or_map]") {
  Cart cart;
  add(cart, kA, "x", 2);
  add(cart, kA, "y", 1);
  const Cart delta = cart.update(kA, "x", [](CausalCounter& count) { return count.reset(kA); });
  CHECK_FALSE(cart.contains("x"));
  CHECK(cart.contains("y"));
  CHECK(delta.store().empty());
  CHECK_FALSE(delta.empty());
  Cart other;
  add(other, kA, "x", 2);
  other.merge(delta);
  CHECK_FALSE(other.contains("x"));
  CHECK(cart.well_formed());
}

TEST_CASE("ORMap: get returns the value with a copy of its store and the context", "[or_map]") {
  Cart cart;
  add(cart, kA, "x", 4);
  add(cart, kB, "y", 1);
  const std::optional<CausalCounter> x = cart.get("x");
  REQUIRE(x.has_value());
  CHECK(x->value() == 4);
  CHECK(x->store() == cart.store().at("x"));
  CHECK(x->context() == cart.context());
  CHECK(x->well_formed());
  CHECK_FALSE(cart.get("z").has_value());
}

TEST_CASE("ORMap: a cart item removed and added again reads the new amount", "[or_map][cart]") {
  Cart cart;
  add(cart, kA, "apple", 2);
  const Cart removed = cart.remove(kA, "apple");
  CHECK_FALSE(cart.contains("apple"));
  CHECK(removed.store().empty());
  add(cart, kA, "apple", 3);
  CHECK(quantity(cart, "apple") == 3);
  Cart other;
  other.merge(cart);
  CHECK(quantity(other, "apple") == 3);
}

TEST_CASE("ORMap: a cart increment concurrent with a remove survives with its own amount",
          "[or_map][cart][merge]") {
  Cart a;
  add(a, kA, "apple", 2);
  Cart b;
  b.merge(a);
  const Cart removed = b.remove(kB, "apple");
  const Cart added = add(a, kA, "apple", 3);
  SECTION("full states, both ways") {
    const Cart ab = merged(a, b);
    CHECK(ab == merged(b, a));
    CHECK(quantity(ab, "apple") == 3);
  }
  SECTION("deltas, both ways") {
    a.merge(removed);
    b.merge(added);
    CHECK(quantity(a, "apple") == 3);
    CHECK(quantity(b, "apple") == 3);
    CHECK(a == b);
  }
}

TEST_CASE("ORMap: concurrent cart increments of one item add up", "[or_map][cart][merge]") {
  Cart a;
  Cart b;
  add(a, kA, "apple", 2);
  add(b, kB, "apple", 5);
  add(b, kB, "pear", 1);
  const Cart ab = merged(a, b);
  CHECK(ab == merged(b, a));
  CHECK(ab.value() == std::map<std::string, std::int64_t>{{"apple", 7}, {"pear", 1}});
}

TEST_CASE("ORMap: remove issues a dot and cancels only the key's observed events", "[or_map]") {
  Cart a;
  add(a, kA, "x", 1);
  add(a, kA, "y", 1);
  Cart b = a;
  const Cart removed = b.remove(kB, "x");
  CHECK(removed.state().causal().contains(Dot{kA, 1}));
  CHECK_FALSE(removed.state().causal().contains(Dot{kA, 2}));
  CHECK(removed.state().causal().contains(Dot{kB, 1}));
  CHECK(removed.store().empty());
  add(a, kA, "y", 5);
  const Cart ab = merged(a, b);
  CHECK(ab.value() == std::map<std::string, std::int64_t>{{"y", 6}});
}

TEST_CASE("ORMap: removing a key never seen is a no-op with a bottom delta", "[or_map]") {
  Cart cart;
  CHECK(cart.remove(kA, "ghost").empty());
  CHECK(cart.empty());
  add(cart, kA, "x", 1);
  const Cart before = cart;
  CHECK(cart.remove(kA, "ghost").empty());
  CHECK(cart == before);
}

TEST_CASE("ORMap: clear removes what it observed and keeps concurrent updates", "[or_map]") {
  Cart a;
  add(a, kA, "x", 1);
  add(a, kA, "y", 2);
  Cart b = a;
  const Cart cleared = b.clear(kB);
  CHECK(b.size() == 0);
  CHECK(cleared.store().empty());
  CHECK(cleared.state().causal().count() == 3);
  add(a, kA, "y", 10);
  add(a, kA, "z", 1);
  const Cart ab = merged(a, b);
  CHECK(ab == merged(b, a));
  CHECK(ab.value() == std::map<std::string, std::int64_t>{{"y", 10}, {"z", 1}});
  SECTION("clear on an empty map is bottom") {
    Cart empty_map;
    CHECK(empty_map.clear(kA).empty());
    const Cart before = b;
    CHECK(b.clear(kB).empty());
    CHECK(b == before);
  }
}

TEST_CASE("ORMap: a key removed and re-added concurrently is kept (add wins)", "[or_map][merge]") {
  Tags a;
  a.update(kA, "k", [](crdt::ORSet<std::string>& s) { return s.add(kA, "t1"); });
  Tags b = a;
  b.remove(kB, "k");
  a.update(kA, "k", [](crdt::ORSet<std::string>& s) { return s.add(kA, "t2"); });
  const Tags ab = merged(a, b);
  CHECK(ab == merged(b, a));
  REQUIRE(ab.contains("k"));
  CHECK(ab.get("k")->value() == Strings{"t2"});
}

TEST_CASE("ORMap: maps of sets merge their sets key by key", "[or_map][or_set]") {
  using Set = crdt::ORSet<std::string>;
  Tags a;
  Tags b;
  a.update(kA, "fruit", [](Set& s) { return s.add(kA, "apple"); });
  a.update(kA, "fruit", [](Set& s) { return s.add(kA, "pear"); });
  b.merge(a);
  b.update(kB, "fruit", [](Set& s) { return s.remove(kB, "apple"); });
  b.update(kB, "veg", [](Set& s) { return s.add(kB, ""); });
  a.update(kA, "fruit", [](Set& s) { return s.add(kA, "apple"); });
  const Tags ab = merged(a, b);
  CHECK(ab == merged(b, a));
  CHECK(ab.value() == std::map<std::string, Strings>{{"fruit", {"apple", "pear"}}, {"veg", {""}}});
  SECTION("removing every element removes the key") {
    Tags c = ab;
    c.update(kC, "veg", [](Set& s) { return s.clear(kC); });
    CHECK_FALSE(c.contains("veg"));
    CHECK(c.well_formed());
  }
  check_delta_since(a, b);
  check_delta_since(b, a);
}

TEST_CASE("ORMap: nested maps of registers work as documents", "[or_map][nested]") {
  Doc a;
  set_field(a, kA, "user", "name", "Ann");
  const Doc delta = set_field(a, kA, "user", "email", "ann@example.com");
  CHECK(delta.keys() == Strings{"user"});
  CHECK(delta.get("user")->keys() == Strings{"email"});
  Doc b;
  b.merge(a);
  set_field(b, kB, "user", "name", "Anne");
  set_field(a, kA, "user", "city", "Oslo");
  const Doc ab = merged(a, b);
  CHECK(ab == merged(b, a));
  using FieldValues = std::map<std::string, Strings>;
  CHECK(ab.value() ==
        std::map<std::string, FieldValues>{
            {"user", {{"city", {"Oslo"}}, {"email", {"ann@example.com"}}, {"name", {"Anne"}}}}});
  CHECK(ab.well_formed());
  SECTION("concurrent writes of one field are siblings") {
    Doc c = ab;
    Doc d = ab;
    set_field(c, kC, "user", "name", "C");
    set_field(d, kA, "user", "name", "A");
    CHECK(merged(c, d).value().at("user").at("name") == Strings{"A", "C"});
  }
  SECTION("a remove of the object keeps only a concurrent field write") {
    Doc c = ab;
    c.remove(kC, "user");
    Doc d = ab;
    set_field(d, kB, "user", "phone", "123");
    const Doc cd = merged(c, d);
    CHECK(cd == merged(d, c));
    CHECK(cd.value() == std::map<std::string, FieldValues>{{"user", {{"phone", {"123"}}}}});
  }
  SECTION("removing the last inner field removes the object") {
    Doc c;
    set_field(c, kC, "o", "f", "v");
    c.update(kC, "o", [](Fields& fields) { return fields.remove(kC, "f"); });
    CHECK_FALSE(c.contains("o"));
    CHECK(c.well_formed());
  }
  SECTION("delta_since through two levels") {
    Doc c;
    set_field(c, kC, "user", "name", "Cee");
    set_field(c, kC, "other", "x", "y");
    check_delta_since(ab, c);
    check_delta_since(c, ab);
    check_delta_since(ab, a);
  }
}

TEST_CASE("ORMap: an exception thrown inside update leaves the map unchanged",
          "[or_map][exception]") {
  Cart cart;
  add(cart, kA, "x", 2);
  add(cart, kB, "y", 1);
  const Cart before = cart;
  SECTION("f throws before changing anything, on an existing key") {
    CHECK_THROWS_AS(
        cart.update(kA, "x",
                    [](CausalCounter&) -> CausalCounter { throw std::runtime_error("boom"); }),
        std::runtime_error);
    CHECK(cart == before);
  }
  SECTION("on a new key") {
    CHECK_THROWS_AS(
        cart.update(kA, "new",
                    [](CausalCounter&) -> CausalCounter { throw std::runtime_error("boom"); }),
        std::runtime_error);
    CHECK(cart == before);
    CHECK_FALSE(cart.contains("new"));
  }
  SECTION("the value's own mutator refuses (counter overflow)") {
    add(cart, kA, "x", std::numeric_limits<std::int64_t>::max() - 2);
    const Cart full = cart;
    CHECK_THROWS_AS(add(cart, kA, "x", 1), std::overflow_error);
    CHECK(cart == full);
  }
  SECTION("inside a nested map") {
    Doc doc;
    set_field(doc, kA, "o", "f", "v");
    const Doc doc_before = doc;
    CHECK_THROWS_AS(doc.update(kA, "o",
                               [](Fields& fields) {
                                 return fields.update(kA, "g", [](Reg&) -> Reg {
                                   throw std::invalid_argument("bad");
                                 });
                               }),
                    std::invalid_argument);
    CHECK(doc == doc_before);
    set_field(doc, kA, "o", "g", "w");
    CHECK(doc.value().at("o").size() == 2);
  }
  // The context came back: the next update issues a dot never issued before.
  const Cart delta = add(cart, kA, "z", 1);
  const VersionVector issued = crdt::dots_of(delta.store());
  CHECK(issued.count() == 1);
  CHECK(issued.difference(before.context()) == issued);
  CHECK(before.context().subset_of(cart.context()));
  CHECK(cart.well_formed());
}

TEST_CASE("ORMap: update moves the key's value instead of copying it", "[or_map]") {
  using Box = crdt::ORMap<std::string, crdt::MVRegister<Tracked>>;
  Box box;
  box.update(kA, "k",
             [](crdt::MVRegister<Tracked>& reg) { return reg.write(kA, Tracked("first")); });
  Tracked::copies = 0;
  box.update(kA, "other",
             [](crdt::MVRegister<Tracked>& reg) { return reg.write(kA, Tracked("o")); });
  CHECK(Tracked::copies == 1);  // the new value, from the delta into the map; "k" is untouched
  Tracked::copies = 0;
  box.update(kA, "k",
             [](crdt::MVRegister<Tracked>& reg) { return reg.write(kA, Tracked("second")); });
  CHECK(Tracked::copies == 1);
  Tracked::copies = 0;
  box.update(kA, "k", [](crdt::MVRegister<Tracked>& reg) { return reg.clear(kA); });
  CHECK(Tracked::copies == 0);
  CHECK(box.keys() == Strings{"other"});
  CHECK(box.get("other")->value() == std::vector<Tracked>{Tracked("o")});
}

TEST_CASE("ORMap: merging with bottom and with itself changes nothing", "[or_map][merge]") {
  Doc doc;
  set_field(doc, kA, "o", "f", "v");
  set_field(doc, kB, "p", "g", "w");
  doc.remove(kA, "p");
  CHECK(merged(doc, Doc{}) == doc);
  CHECK(merged(Doc{}, doc) == doc);
  const Doc copy = doc;
  doc.merge(doc);
  CHECK(doc == copy);
  doc.merge(copy);
  CHECK(doc == copy);
}

TEST_CASE("ORMap: merge is commutative and associative", "[or_map][merge]") {
  Cart a;
  Cart b;
  Cart c;
  add(a, kA, "x", 1);
  b.merge(a);
  b.remove(kB, "x");
  add(b, kB, "y", 2);
  add(c, kC, "x", 4);
  c.clear(kC);
  add(c, kC, "z", 8);
  add(a, kA, "x", 16);
  CHECK(merged(a, b) == merged(b, a));
  CHECK(merged(merged(a, b), c) == merged(a, merged(b, c)));
  CHECK(merged(merged(a, b), c).value() ==
        std::map<std::string, std::int64_t>{{"x", 16}, {"y", 2}, {"z", 8}});
}

TEST_CASE("ORMap: deltas merged in any order, and twice, equal the full states",
          "[or_map][delta]") {
  SECTION("a cart") {
    Cart a;
    Cart b;
    std::vector<Cart> deltas;
    deltas.push_back(add(a, kA, "apple", 2));
    b.merge(a);
    deltas.push_back(b.remove(kB, "apple"));
    deltas.push_back(add(a, kA, "apple", 3));
    deltas.push_back(add(b, kB, "", 1));
    deltas.push_back(b.clear(kB));
    deltas.push_back(add(a, kA, "pear", -1));
    const Cart expected = merged(a, b);
    CHECK(expected.value() == std::map<std::string, std::int64_t>{{"apple", 3}, {"pear", -1}});
    check_delta_orders(deltas, expected);
  }
  SECTION("a document") {
    Doc a;
    Doc b;
    std::vector<Doc> deltas;
    deltas.push_back(set_field(a, kA, "o", "f", "1"));
    b.merge(a);
    deltas.push_back(set_field(b, kB, "o", "f", "2"));
    deltas.push_back(set_field(a, kA, "o", "g", "3"));
    deltas.push_back(b.remove(kB, "o"));
    deltas.push_back(set_field(a, kA, "p", "", ""));
    const Doc expected = merged(a, b);
    check_delta_orders(deltas, expected);
  }
}

TEST_CASE("ORMap: delta_since sends exactly what the peer lacks", "[or_map][delta]") {
  Cart a;
  Cart b;
  SECTION("peer is bottom") {
    add(a, kA, "x", 1);
    check_delta_since(a, b);
    check_delta_since(b, a);
  }
  SECTION("peer is behind by removes and updates") {
    add(a, kA, "x", 1);
    add(a, kA, "y", 1);
    b.merge(a);
    a.remove(kA, "x");
    add(a, kA, "y", 5);
    check_delta_since(a, b);
    CHECK(merged(b, a.delta_since(b.context())).value() ==
          std::map<std::string, std::int64_t>{{"y", 6}});
  }
  SECTION("concurrent histories") {
    add(a, kA, "x", 1);
    b.merge(a);
    b.remove(kB, "x");
    add(b, kB, "z", 1);
    add(a, kA, "x", 2);
    check_delta_since(a, b);
    check_delta_since(b, a);
  }
  SECTION("peer is caught up or ahead") {
    add(a, kA, "x", 1);
    a.clear(kA);
    b.merge(a);
    CHECK(a.delta_since(b.context()).empty());
    add(b, kB, "y", 1);
    CHECK(a.delta_since(b.context()).empty());
    check_delta_since(a, b);
  }
}

TEST_CASE("ORMap: states with the same context are equal", "[or_map]") {
  Doc a;
  Doc b;
  set_field(a, kA, "o", "f", "1");
  set_field(b, kB, "o", "g", "2");
  a.merge(b);
  a.remove(kA, "o");
  set_field(a, kA, "p", "h", "3");
  b.merge(a);
  CHECK(a.context() == b.context());
  CHECK(a == b);
}

TEST_CASE("ORMap: empty strings work as keys and values", "[or_map]") {
  Doc doc;
  set_field(doc, kA, "", "", "");
  CHECK(doc.contains(""));
  CHECK(doc.value().at("").at("") == Strings{""});
  Doc other = doc;
  other.remove(kB, "");
  CHECK_FALSE(other.contains(""));
  set_field(doc, kA, "", "", "");
  CHECK(merged(doc, other).value().at("").at("") == Strings{""});
}

TEST_CASE("ORMap: large values survive update, merge and delta_since", "[or_map]") {
  const std::string big(1 << 20, 'm');
  Doc a;
  const Doc delta = set_field(a, kA, "blob", big, big);
  Doc b;
  b.merge(delta);
  CHECK(b.value().at("blob").at(big) == Strings{big});
  CHECK(a.delta_since(b.context()).empty());
  b.remove(kB, "blob");
  CHECK_FALSE(merged(a, b).empty());
  CHECK_FALSE(merged(a, b).contains("blob"));
}

TEST_CASE("ORMap: into_parts and the constructor round-trip", "[or_map]") {
  Cart cart;
  add(cart, kA, "x", 1);
  add(cart, kB, "y", 2);
  cart.remove(kA, "y");
  const Cart copy = cart;
  auto [store, context] = std::move(cart).into_parts();
  const Cart rebuilt(std::move(store), std::move(context));
  CHECK(rebuilt == copy);
}

TEST_CASE("ORMap: well_formed rejects broken invariants", "[or_map]") {
  VersionVector context;
  context.add(Dot{kA, 1});
  CHECK(Cart(Cart::Store{{"x", {{Dot{kA, 1}, 1}}}}, context).well_formed());
  CHECK_FALSE(Cart(Cart::Store{{"x", {{Dot{kA, 2}, 1}}}}, context).well_formed());
  CHECK_FALSE(Cart(Cart::Store{{"x", {}}}, context).well_formed());
  CHECK_FALSE(Doc(Doc::Store{{"o", {{"f", {}}}}}, context).well_formed());
  CHECK(Doc(Doc::Store{{"o", {{"f", {{Dot{kA, 1}, "v"}}}}}}, context).well_formed());
}
