#include <algorithm>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include <crdt/dotted.hpp>
#include <crdt/mv_register.hpp>

namespace {

using crdt::Dot;
using crdt::ReplicaId;
using crdt::VersionVector;
using Reg = crdt::MVRegister<std::string>;
using Values = std::vector<std::string>;

const ReplicaId kA{1};
const ReplicaId kB{2};
const ReplicaId kC{3};

static_assert(crdt::DeltaCrdt<Reg>);
static_assert(crdt::DottedCrdt<Reg>);

Reg merged(Reg a, const Reg& b) {
  a.merge(b);
  return a;
}

void check_delta_since(const Reg& a, const Reg& b) {
  const Reg delta = a.delta_since(b.context());
  CHECK(merged(b, delta) == merged(b, a));
  const VersionVector payload = crdt::dots_of(delta.store());
  CHECK(payload.difference(b.context()) == payload);
  CHECK(a.delta_since(a.context()).empty());
  CHECK(delta.well_formed());
}

void check_delta_orders(const std::vector<Reg>& deltas, const Reg& expected) {
  std::vector<std::size_t> order(deltas.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  do {
    Reg once;
    for (std::size_t i : order) once.merge(deltas[i]);
    CHECK(once == expected);
    Reg twice = once;
    for (std::size_t i : order) twice.merge(deltas[i]);
    CHECK(twice == expected);
  } while (std::next_permutation(order.begin(), order.end()));
}

}  // namespace

TEST_CASE("MVRegister: default construction is bottom", "[mv_register]") {
  const Reg r;
  CHECK(r.empty());
  CHECK(r.value().empty());
  CHECK(r.store().empty());
  CHECK(r.context().empty());
  CHECK(r.well_formed());
}

TEST_CASE("MVRegister: a write is read back and its delta carries it", "[mv_register]") {
  Reg r;
  const Reg delta = r.write(kA, "hello");
  CHECK(r.value() == Values{"hello"});
  CHECK(delta.value() == Values{"hello"});
  CHECK(delta.state().causal().contains(Dot{kA, 1}));
  CHECK(merged(Reg{}, delta) == r);
  CHECK(r.well_formed());
}

TEST_CASE("MVRegister: a write supersedes the earlier value of the same replica", "[mv_register]") {
  Reg r;
  r.write(kA, "one");
  const Reg delta = r.write(kA, "two");
  CHECK(r.value() == Values{"two"});
  CHECK(r.store().size() == 1);
  CHECK(delta.state().causal().contains(Dot{kA, 1}));
  CHECK(delta.state().causal().contains(Dot{kA, 2}));
}

TEST_CASE("MVRegister: concurrent writes are both visible, ordered by their dots",
          "[mv_register][merge]") {
  Reg a;
  Reg b;
  b.write(kB, "from b");
  a.write(kA, "from a");
  const Reg ab = merged(a, b);
  CHECK(ab == merged(b, a));
  CHECK(ab.value() == Values{"from a", "from b"});
  SECTION("three-way") {
    Reg c;
    c.write(kC, "from c");
    CHECK(merged(ab, c).value() == Values{"from a", "from b", "from c"});
  }
  SECTION("equal concurrent values stay two siblings") {
    Reg c;
    c.write(kC, "from a");
    CHECK(merged(a, c).value() == Values{"from a", "from a"});
  }
}

TEST_CASE("MVRegister: a later write that saw the siblings supersedes both",
          "[mv_register][merge]") {
  Reg a;
  Reg b;
  a.write(kA, "x");
  b.write(kB, "y");
  a.merge(b);
  REQUIRE(a.value().size() == 2);
  const Reg resolved = a.write(kA, "resolved");
  CHECK(a.value() == Values{"resolved"});
  SECTION("the other writer learns it through the delta") {
    b.merge(resolved);
    CHECK(b.value() == Values{"resolved"});
    // b knows of "x" only as superseded; a catch-up completes that event too.
    CHECK_FALSE(b.context().contains(Dot{kA, 1}));
    b.merge(a.delta_since(b.context()));
    CHECK(b == a);
  }
  SECTION("a write concurrent with the resolution survives next to it") {
    b.write(kB, "late");
    const Reg all = merged(a, b);
    CHECK(all.value() == Values{"resolved", "late"});
    CHECK(all == merged(b, a));
  }
}

TEST_CASE("MVRegister: a write does not supersede a sibling it has not seen", "[mv_register]") {
  Reg a;
  a.write(kA, "x");
  Reg b;
  b.write(kB, "y");
  a.write(kA, "x2");
  CHECK(merged(a, b).value() == Values{"x2", "y"});
}

TEST_CASE("MVRegister: clear removes the observed siblings", "[mv_register]") {
  Reg a;
  a.write(kA, "x");
  Reg b;
  b.write(kB, "y");
  a.merge(b);
  const Reg delta = a.clear(kA);
  CHECK(a.value().empty());
  CHECK_FALSE(a.empty());
  CHECK(delta.store().empty());
  CHECK(delta.state().causal().contains(Dot{kA, 1}));
  CHECK(delta.state().causal().contains(Dot{kB, 1}));
  CHECK(delta.state().causal().contains(Dot{kA, 2}));
  b.merge(delta);
  CHECK(b.value().empty());
  b.merge(a.delta_since(b.context()));
  CHECK(a == b);
}

TEST_CASE("MVRegister: a write concurrent with a clear survives", "[mv_register][merge]") {
  Reg a;
  a.write(kA, "x");
  Reg b = a;
  b.clear(kB);
  a.write(kA, "y");
  CHECK(merged(a, b).value() == Values{"y"});
  CHECK(merged(b, a).value() == Values{"y"});
}

TEST_CASE("MVRegister: clear with nothing to clear is bottom", "[mv_register]") {
  Reg r;
  CHECK(r.clear(kA).empty());
  CHECK(r.empty());
  r.write(kA, "x");
  r.clear(kA);
  const Reg before = r;
  CHECK(r.clear(kB).empty());
  CHECK(r == before);
}

TEST_CASE("MVRegister: writing after a clear reads the new value", "[mv_register]") {
  Reg r;
  r.write(kA, "x");
  r.clear(kA);
  const Reg delta = r.write(kA, "again");
  CHECK(r.value() == Values{"again"});
  Reg other;
  other.merge(delta);
  CHECK(other.value() == Values{"again"});
}

TEST_CASE("MVRegister: merging with bottom and with itself changes nothing",
          "[mv_register][merge]") {
  Reg r;
  r.write(kA, "x");
  Reg other;
  other.write(kB, "y");
  r.merge(other);
  CHECK(merged(r, Reg{}) == r);
  CHECK(merged(Reg{}, r) == r);
  const Reg copy = r;
  r.merge(r);
  CHECK(r == copy);
}

TEST_CASE("MVRegister: merge is commutative and associative", "[mv_register][merge]") {
  Reg a;
  Reg b;
  Reg c;
  a.write(kA, "a1");
  b.merge(a);
  b.write(kB, "b1");
  c.write(kC, "c1");
  a.write(kA, "a2");
  CHECK(merged(a, b) == merged(b, a));
  CHECK(merged(merged(a, b), c) == merged(a, merged(b, c)));
  CHECK(merged(merged(a, b), c).value() == Values{"a2", "b1", "c1"});
}

TEST_CASE("MVRegister: deltas merged in any order, and twice, equal the full states",
          "[mv_register][delta]") {
  Reg a;
  Reg b;
  std::vector<Reg> deltas;
  deltas.push_back(a.write(kA, "a1"));
  b.merge(a);
  deltas.push_back(b.write(kB, "b1"));
  deltas.push_back(a.write(kA, "a2"));
  deltas.push_back(b.clear(kB));
  deltas.push_back(a.write(kA, ""));
  const Reg expected = merged(a, b);
  CHECK(expected.value() == Values{""});
  check_delta_orders(deltas, expected);
}

TEST_CASE("MVRegister: delta_since sends exactly what the peer lacks", "[mv_register][delta]") {
  Reg a;
  Reg b;
  SECTION("peer is bottom") {
    a.write(kA, "x");
    check_delta_since(a, b);
    check_delta_since(b, a);
  }
  SECTION("peer holds a value this state superseded") {
    a.write(kA, "x");
    b.merge(a);
    a.write(kA, "y");
    check_delta_since(a, b);
    CHECK(merged(b, a.delta_since(b.context())).value() == Values{"y"});
  }
  SECTION("peer holds a value this state cleared") {
    a.write(kA, "x");
    b.merge(a);
    a.clear(kA);
    check_delta_since(a, b);
    CHECK(merged(b, a.delta_since(b.context())).value().empty());
  }
  SECTION("concurrent siblings") {
    a.write(kA, "x");
    b.write(kB, "y");
    check_delta_since(a, b);
    check_delta_since(b, a);
  }
  SECTION("peer is caught up or ahead") {
    a.write(kA, "x");
    b.merge(a);
    CHECK(a.delta_since(b.context()).empty());
    b.write(kB, "y");
    CHECK(a.delta_since(b.context()).empty());
    check_delta_since(a, b);
  }
}

TEST_CASE("MVRegister: states with the same context are equal", "[mv_register]") {
  Reg a;
  Reg b;
  a.write(kA, "x");
  b.write(kB, "y");
  a.merge(b);
  b.merge(a);
  CHECK(a.context() == b.context());
  CHECK(a == b);
}

TEST_CASE("MVRegister: the empty string is an ordinary value", "[mv_register]") {
  Reg a;
  a.write(kA, "");
  CHECK(a.value() == Values{""});
  CHECK_FALSE(a.empty());
  Reg b;
  b.write(kB, "");
  CHECK(merged(a, b).value() == Values{"", ""});
}

TEST_CASE("MVRegister: large values survive write, merge and delta_since", "[mv_register]") {
  const std::string big(1 << 20, 'z');
  Reg a;
  const Reg delta = a.write(kA, big);
  Reg b;
  b.merge(delta);
  REQUIRE(b.value().size() == 1);
  CHECK(b.value().front() == big);
  CHECK(a.delta_since(b.context()).empty());
  b.write(kB, "small");
  CHECK(merged(a, b).value() == Values{"small"});
}

TEST_CASE("MVRegister: into_parts and the constructor round-trip", "[mv_register]") {
  Reg a;
  a.write(kA, "x");
  Reg b;
  b.write(kB, "y");
  a.merge(b);
  const Reg copy = a;
  auto [store, context] = std::move(a).into_parts();
  const Reg rebuilt(std::move(store), std::move(context));
  CHECK(rebuilt == copy);
}

TEST_CASE("MVRegister: well_formed rejects a dot outside the context", "[mv_register]") {
  VersionVector context;
  context.add(Dot{kA, 1});
  CHECK(Reg(Reg::Store{{Dot{kA, 1}, "x"}}, context).well_formed());
  CHECK_FALSE(Reg(Reg::Store{{Dot{kA, 2}, "x"}}, context).well_formed());
  CHECK_FALSE(Reg(Reg::Store{{Dot{kA, 0}, "x"}}, context).well_formed());
}
