#include <algorithm>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include <crdt/dotted.hpp>
#include <crdt/or_set.hpp>

namespace {

using crdt::ReplicaId;
using crdt::VersionVector;
using Set = crdt::ORSet<std::string>;

const ReplicaId kA{1};
const ReplicaId kB{2};
const ReplicaId kC{3};

static_assert(crdt::DeltaCrdt<Set>);
static_assert(crdt::DottedCrdt<Set>);
static_assert(crdt::DottedCrdt<crdt::ORSet<int>>);

Set merged(Set a, const Set& b) {
  a.merge(b);
  return a;
}

// The delta_since contract of lattice.hpp, for a sender `a` and a receiver `b`.
void check_delta_since(const Set& a, const Set& b) {
  const Set delta = a.delta_since(b.context());
  CHECK(merged(b, delta) == merged(b, a));
  const VersionVector payload = crdt::dots_of(delta.store());
  CHECK(payload.difference(b.context()) == payload);
  CHECK(a.delta_since(a.context()).empty());
  CHECK(delta.well_formed());
}

// Every order of the deltas, each applied once and then all of them again, gives `expected`.
void check_delta_orders(const std::vector<Set>& deltas, const Set& expected) {
  std::vector<std::size_t> order(deltas.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  do {
    Set once;
    for (std::size_t i : order) once.merge(deltas[i]);
    CHECK(once == expected);
    Set twice = once;
    for (std::size_t i : order) twice.merge(deltas[i]);
    CHECK(twice == expected);
  } while (std::next_permutation(order.begin(), order.end()));
}

}  // namespace

TEST_CASE("ORSet: default construction is bottom", "[or_set]") {
  const Set s;
  CHECK(s.empty());
  CHECK(s.size() == 0);
  CHECK(s.value().empty());
  CHECK(s.context().empty());
  CHECK_FALSE(s.contains(""));
  CHECK(s.well_formed());
  CHECK(s == Set{});
}

TEST_CASE("ORSet: add makes an element present and returns a delta holding it", "[or_set]") {
  Set s;
  const Set delta = s.add(kA, "x");
  CHECK(s.contains("x"));
  CHECK(s.size() == 1);
  CHECK(s.value() == std::vector<std::string>{"x"});
  CHECK_FALSE(delta.empty());
  CHECK(delta.contains("x"));
  CHECK(delta.state().causal().contains(crdt::Dot{kA, 1}));
  CHECK(merged(Set{}, delta) == s);
  CHECK(s.well_formed());
}

TEST_CASE("ORSet: value lists the elements in order", "[or_set]") {
  Set s;
  s.add(kA, "pear");
  s.add(kB, "apple");
  s.add(kA, "fig");
  CHECK(s.value() == std::vector<std::string>{"apple", "fig", "pear"});
  CHECK(s.size() == 3);
}

TEST_CASE("ORSet: re-adding an element replaces the add events this replica observed", "[or_set]") {
  Set s;
  s.add(kA, "x");
  Set other;
  other.add(kB, "x");
  s.merge(other);
  REQUIRE(s.store().at("x").size() == 2);
  const Set delta = s.add(kA, "x");
  CHECK(s.store().at("x") == crdt::DotSet{crdt::Dot{kA, 2}});
  CHECK(delta.state().causal().contains(crdt::Dot{kA, 1}));
  CHECK(delta.state().causal().contains(crdt::Dot{kB, 1}));
  CHECK(s.size() == 1);
}

TEST_CASE("ORSet: remove issues a dot and makes the element absent", "[or_set]") {
  Set s;
  s.add(kA, "x");
  s.add(kA, "y");
  const Set delta = s.remove(kA, "x");
  CHECK_FALSE(s.contains("x"));
  CHECK(s.contains("y"));
  CHECK_FALSE(delta.empty());
  CHECK(delta.store().empty());
  CHECK(delta.state().causal().contains(crdt::Dot{kA, 1}));
  CHECK(delta.state().causal().contains(crdt::Dot{kA, 3}));
  CHECK(s.context().contains(crdt::Dot{kA, 3}));
  CHECK(s.well_formed());
}

TEST_CASE("ORSet: removing an element never seen is a no-op with a bottom delta", "[or_set]") {
  Set s;
  SECTION("on bottom") {
    const Set delta = s.remove(kA, "ghost");
    CHECK(delta.empty());
    CHECK(s.empty());
  }
  SECTION("on a populated set") {
    s.add(kA, "x");
    const Set before = s;
    const Set delta = s.remove(kB, "ghost");
    CHECK(delta.empty());
    CHECK(s == before);
  }
  SECTION("an element another replica added but this one has not seen") {
    Set other;
    other.add(kB, "x");
    const Set delta = s.remove(kA, "x");
    CHECK(delta.empty());
    s.merge(other);
    CHECK(s.contains("x"));
  }
}

TEST_CASE("ORSet: concurrent add wins over remove", "[or_set][merge]") {
  Set a;
  a.add(kA, "x");
  Set b = a;
  const Set removed = b.remove(kB, "x");
  const Set added = a.add(kA, "x");
  SECTION("full states, both ways") {
    const Set ab = merged(a, b);
    const Set ba = merged(b, a);
    CHECK(ab == ba);
    CHECK(ab.contains("x"));
    CHECK(ab.value() == std::vector<std::string>{"x"});
  }
  SECTION("deltas") {
    CHECK(merged(a, removed).contains("x"));
    CHECK(merged(b, added).contains("x"));
  }
  SECTION("the add was by a third replica that never saw the element") {
    Set c;
    c.add(kC, "x");
    const Set all = merged(merged(a, b), c);
    CHECK(all.contains("x"));
    CHECK(all.store().at("x").size() == 2);
  }
}

TEST_CASE("ORSet: a remove that observed every add removes the element everywhere", "[or_set]") {
  Set a;
  a.add(kA, "x");
  Set b;
  b.add(kB, "x");
  a.merge(b);
  b.merge(a);
  a.remove(kA, "x");
  b.merge(a);
  CHECK_FALSE(b.contains("x"));
  CHECK(a == b);
}

TEST_CASE("ORSet: concurrent removes of the same element agree", "[or_set][merge]") {
  Set a;
  a.add(kA, "x");
  Set b = a;
  a.remove(kA, "x");
  b.remove(kB, "x");
  const Set ab = merged(a, b);
  CHECK(ab == merged(b, a));
  CHECK_FALSE(ab.contains("x"));
  CHECK(ab.store().empty());
}

TEST_CASE("ORSet: re-adding after a remove makes the element present again", "[or_set]") {
  Set a;
  a.add(kA, "x");
  a.remove(kA, "x");
  const Set readd = a.add(kA, "x");
  CHECK(a.contains("x"));
  Set b;
  b.merge(readd);
  CHECK(b.contains("x"));
  SECTION("another replica that saw the remove learns the re-add") {
    Set c;
    Set old;
    old.add(kA, "x");
    c.merge(old);
    c.merge(a);
    CHECK(c.contains("x"));
    CHECK(c == a);
  }
}

TEST_CASE("ORSet: clear removes what it observed and keeps concurrent adds", "[or_set]") {
  Set a;
  a.add(kA, "x");
  a.add(kA, "y");
  Set b = a;
  const Set cleared = b.clear(kB);
  CHECK(b.size() == 0);
  CHECK_FALSE(b.empty());
  CHECK(cleared.store().empty());
  a.add(kA, "z");
  const Set ab = merged(a, b);
  CHECK(ab.value() == std::vector<std::string>{"z"});
  CHECK(ab == merged(b, a));
}

TEST_CASE("ORSet: clear on an empty set is bottom", "[or_set]") {
  Set s;
  CHECK(s.clear(kA).empty());
  CHECK(s.empty());
  s.add(kA, "x");
  s.remove(kA, "x");
  const Set before = s;
  CHECK(s.clear(kA).empty());
  CHECK(s == before);
}

TEST_CASE("ORSet: merging with bottom changes nothing, both ways", "[or_set][merge]") {
  Set s;
  s.add(kA, "x");
  s.add(kB, "y");
  s.remove(kA, "x");
  CHECK(merged(s, Set{}) == s);
  CHECK(merged(Set{}, s) == s);
  CHECK(merged(Set{}, Set{}).empty());
}

TEST_CASE("ORSet: merging a state with itself changes nothing", "[or_set][merge]") {
  Set s;
  s.add(kA, "x");
  s.add(kB, "y");
  s.remove(kB, "x");
  const Set copy = s;
  s.merge(copy);
  CHECK(s == copy);
  s.merge(s);
  CHECK(s == copy);
}

TEST_CASE("ORSet: merge is commutative and associative", "[or_set][merge]") {
  Set a;
  Set b;
  Set c;
  a.add(kA, "x");
  b.merge(a);
  b.remove(kB, "x");
  b.add(kB, "y");
  c.add(kC, "x");
  c.add(kC, "z");
  a.add(kA, "y");
  CHECK(merged(a, b) == merged(b, a));
  CHECK(merged(merged(a, b), c) == merged(a, merged(b, c)));
  CHECK(merged(merged(a, c), b) == merged(merged(c, b), a));
}

TEST_CASE("ORSet: deltas merged in any order, and twice, equal the full states",
          "[or_set][delta]") {
  Set a;
  Set b;
  std::vector<Set> deltas;
  deltas.push_back(a.add(kA, "x"));
  deltas.push_back(a.add(kA, "y"));
  b.merge(a);
  deltas.push_back(b.remove(kB, "x"));
  deltas.push_back(a.add(kA, "x"));
  deltas.push_back(b.add(kB, ""));
  const Set expected = merged(a, b);
  CHECK(expected.value() == std::vector<std::string>{"", "x", "y"});
  check_delta_orders(deltas, expected);
}

TEST_CASE("ORSet: a delta that arrives before the add it removes still removes it",
          "[or_set][delta]") {
  Set a;
  const Set add = a.add(kA, "x");
  const Set remove = a.remove(kA, "x");
  Set b;
  b.merge(remove);
  CHECK_FALSE(b.contains("x"));
  b.merge(add);
  CHECK_FALSE(b.contains("x"));
  CHECK(b == a);
  CHECK(b.context().cloud_intervals() == 0);
}

TEST_CASE("ORSet: delta_since sends exactly what the peer lacks", "[or_set][delta]") {
  Set a;
  Set b;
  SECTION("peer is bottom") {
    a.add(kA, "x");
    check_delta_since(a, b);
    check_delta_since(b, a);
  }
  SECTION("peer is behind") {
    a.add(kA, "x");
    b.merge(a);
    a.add(kA, "y");
    a.remove(kA, "x");
    check_delta_since(a, b);
    const Set delta = a.delta_since(b.context());
    CHECK(delta.value() == std::vector<std::string>{"y"});
  }
  SECTION("peer saw an add this state removed") {
    a.add(kA, "x");
    b.merge(a);
    a.remove(kA, "x");
    check_delta_since(a, b);
    CHECK_FALSE(merged(b, a.delta_since(b.context())).contains("x"));
  }
  SECTION("concurrent histories") {
    a.add(kA, "x");
    b.merge(a);
    b.remove(kB, "x");
    b.add(kB, "w");
    a.add(kA, "x");
    a.add(kA, "z");
    check_delta_since(a, b);
    check_delta_since(b, a);
  }
  SECTION("peer is caught up") {
    a.add(kA, "x");
    a.remove(kA, "x");
    b.merge(a);
    CHECK(a.delta_since(b.context()).empty());
    check_delta_since(a, b);
  }
  SECTION("peer is ahead") {
    a.add(kA, "x");
    b.merge(a);
    b.add(kB, "y");
    CHECK(a.delta_since(b.context()).empty());
    check_delta_since(a, b);
  }
  SECTION("bottom sends bottom") { CHECK(Set{}.delta_since(VersionVector{}).empty()); }
}

TEST_CASE("ORSet: states with the same context are equal", "[or_set]") {
  Set a;
  Set b;
  a.add(kA, "x");
  b.add(kB, "y");
  a.merge(b);
  a.remove(kA, "y");
  b.merge(a);
  a.merge(b);
  CHECK(a.context() == b.context());
  CHECK(a == b);
}

TEST_CASE("ORSet: the empty string is an ordinary element", "[or_set]") {
  Set a;
  a.add(kA, "");
  CHECK(a.contains(""));
  CHECK(a.value() == std::vector<std::string>{""});
  Set b = a;
  b.remove(kB, "");
  CHECK_FALSE(b.contains(""));
  a.add(kA, "");
  CHECK(merged(a, b).contains(""));
  check_delta_since(a, b);
}

TEST_CASE("ORSet: large elements survive add, merge and delta_since", "[or_set]") {
  const std::string big(1 << 20, 'q');
  Set a;
  const Set delta = a.add(kA, big);
  Set b;
  b.merge(delta);
  CHECK(b.contains(big));
  CHECK(b.value().front().size() == big.size());
  CHECK(a.delta_since(b.context()).empty());
  b.remove(kB, big);
  CHECK_FALSE(b.contains(big));
  CHECK_FALSE(merged(a, b).contains(big));
}

TEST_CASE("ORSet: works with non-string elements", "[or_set]") {
  crdt::ORSet<int> s;
  s.add(kA, 3);
  s.add(kA, -1);
  s.add(kA, 3);
  CHECK(s.value() == std::vector<int>{-1, 3});
  s.remove(kA, -1);
  CHECK(s.value() == std::vector<int>{3});
}

TEST_CASE("ORSet: into_parts and the constructor round-trip", "[or_set]") {
  Set a;
  a.add(kA, "x");
  a.add(kB, "y");
  a.remove(kA, "y");
  const Set copy = a;
  auto [store, context] = std::move(a).into_parts();
  const Set rebuilt(std::move(store), std::move(context));
  CHECK(rebuilt == copy);
  CHECK(rebuilt.well_formed());
}

TEST_CASE("ORSet: well_formed rejects broken invariants", "[or_set]") {
  VersionVector context;
  context.add(crdt::Dot{kA, 1});
  CHECK(Set(Set::Store{{"x", {crdt::Dot{kA, 1}}}}, context).well_formed());
  SECTION("a dot the context lacks") {
    CHECK_FALSE(Set(Set::Store{{"x", {crdt::Dot{kA, 2}}}}, context).well_formed());
  }
  SECTION("an element with no dot") {
    CHECK_FALSE(Set(Set::Store{{"x", {}}}, context).well_formed());
  }
  SECTION("unsorted dots") {
    VersionVector two = context;
    two.add(crdt::Dot{kA, 2});
    CHECK_FALSE(Set(Set::Store{{"x", {crdt::Dot{kA, 2}, crdt::Dot{kA, 1}}}}, two).well_formed());
  }
  SECTION("a dot with counter zero or no replica") {
    CHECK_FALSE(Set(Set::Store{{"x", {crdt::Dot{kA, 0}}}}, context).well_formed());
    CHECK_FALSE(Set(Set::Store{{"x", {crdt::Dot{ReplicaId{}, 1}}}}, context).well_formed());
  }
}
