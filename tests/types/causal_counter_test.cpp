#include <algorithm>
#include <cstdint>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include <crdt/causal_counter.hpp>
#include <crdt/dotted.hpp>

namespace {

using crdt::CausalCounter;
using crdt::Dot;
using crdt::ReplicaId;
using crdt::VersionVector;

const ReplicaId kA{1};
const ReplicaId kB{2};
const ReplicaId kC{3};

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();

static_assert(crdt::DeltaCrdt<CausalCounter>);
static_assert(crdt::DottedCrdt<CausalCounter>);

CausalCounter merged(CausalCounter a, const CausalCounter& b) {
  a.merge(b);
  return a;
}

void check_delta_since(const CausalCounter& a, const CausalCounter& b) {
  const CausalCounter delta = a.delta_since(b.context());
  CHECK(merged(b, delta) == merged(b, a));
  const VersionVector payload = crdt::dots_of(delta.store());
  CHECK(payload.difference(b.context()) == payload);
  CHECK(a.delta_since(a.context()).empty());
  CHECK(delta.well_formed());
}

void check_delta_orders(const std::vector<CausalCounter>& deltas, const CausalCounter& expected) {
  std::vector<std::size_t> order(deltas.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  do {
    CausalCounter once;
    for (std::size_t i : order) once.merge(deltas[i]);
    CHECK(once == expected);
    CausalCounter twice = once;
    for (std::size_t i : order) twice.merge(deltas[i]);
    CHECK(twice == expected);
  } while (std::next_permutation(order.begin(), order.end()));
}

}  // namespace

TEST_CASE("CausalCounter: default construction is bottom and reads 0", "[causal_counter]") {
  const CausalCounter c;
  CHECK(c.empty());
  CHECK(c.value() == 0);
  CHECK(c.well_formed());
}

TEST_CASE("CausalCounter: increment and decrement add their amounts", "[causal_counter]") {
  CausalCounter c;
  c.increment(kA);
  CHECK(c.value() == 1);
  c.increment(kA, 10);
  CHECK(c.value() == 11);
  c.decrement(kA);
  CHECK(c.value() == 10);
  c.decrement(kA, 25);
  CHECK(c.value() == -15);
  c.increment(kA, -5);
  CHECK(c.value() == -20);
  c.decrement(kA, -20);
  CHECK(c.value() == 0);
  CHECK(c.well_formed());
}

TEST_CASE("CausalCounter: every increment is its own dot holding only its amount",
          "[causal_counter]") {
  CausalCounter c;
  const CausalCounter first = c.increment(kA, 2);
  const CausalCounter second = c.increment(kA, 3);
  const CausalCounter third = c.decrement(kA, 1);
  CHECK(first.store() == CausalCounter::Store{{Dot{kA, 1}, 2}});
  CHECK(second.store() == CausalCounter::Store{{Dot{kA, 2}, 3}});
  CHECK(third.store() == CausalCounter::Store{{Dot{kA, 3}, -1}});
  CHECK(second.context().count() == 1);
  CHECK(c.store().size() == 3);
  CHECK(c.value() == 4);
}

TEST_CASE("CausalCounter: an amount of zero changes nothing and returns bottom",
          "[causal_counter]") {
  CausalCounter c;
  CHECK(c.increment(kA, 0).empty());
  CHECK(c.decrement(kA, 0).empty());
  CHECK(c.empty());
  c.increment(kA, 4);
  const CausalCounter before = c;
  CHECK(c.increment(kB, 0).empty());
  CHECK(c == before);
}

TEST_CASE("CausalCounter: concurrent increments add up", "[causal_counter][merge]") {
  CausalCounter a;
  CausalCounter b;
  a.increment(kA, 2);
  b.increment(kB, 5);
  b.decrement(kB, 1);
  CHECK(merged(a, b).value() == 6);
  CHECK(merged(a, b) == merged(b, a));
}

TEST_CASE("CausalCounter: reset cancels what it observed", "[causal_counter]") {
  CausalCounter a;
  a.increment(kA, 7);
  CausalCounter b;
  b.increment(kB, 3);
  a.merge(b);
  const CausalCounter delta = a.reset(kA);
  CHECK(a.value() == 0);
  CHECK_FALSE(a.empty());
  CHECK(delta.store().empty());
  CHECK(delta.state().causal().contains(Dot{kA, 1}));
  CHECK(delta.state().causal().contains(Dot{kB, 1}));
  CHECK(delta.state().causal().contains(Dot{kA, 2}));
  b.merge(delta);
  CHECK(b.value() == 0);
  // b learned of a's +7 only as cancelled: a catch-up completes it.
  CHECK(b.state().causal() == a.state().causal());
  b.merge(a.delta_since(b.context()));
  CHECK(a == b);
  a.increment(kA, 4);
  CHECK(a.value() == 4);
}

TEST_CASE("CausalCounter: an increment concurrent with a reset survives with its own amount",
          "[causal_counter][merge]") {
  CausalCounter a;
  a.increment(kA, 2);
  CausalCounter b = a;
  b.reset(kB);
  a.increment(kA, 3);
  CHECK(merged(a, b).value() == 3);
  CHECK(merged(b, a).value() == 3);
}

TEST_CASE("CausalCounter: reset with nothing to reset is bottom", "[causal_counter]") {
  CausalCounter c;
  CHECK(c.reset(kA).empty());
  CHECK(c.empty());
  c.increment(kA, 1);
  c.reset(kA);
  const CausalCounter before = c;
  CHECK(c.reset(kA).empty());
  CHECK(c == before);
}

TEST_CASE("CausalCounter: merging with bottom and with itself changes nothing",
          "[causal_counter][merge]") {
  CausalCounter c;
  c.increment(kA, 3);
  CausalCounter other;
  other.decrement(kB, 8);
  c.merge(other);
  CHECK(merged(c, CausalCounter{}) == c);
  CHECK(merged(CausalCounter{}, c) == c);
  const CausalCounter copy = c;
  c.merge(c);
  CHECK(c == copy);
  CHECK(c.value() == -5);
}

TEST_CASE("CausalCounter: merge is commutative and associative", "[causal_counter][merge]") {
  CausalCounter a;
  CausalCounter b;
  CausalCounter c;
  a.increment(kA, 1);
  b.merge(a);
  b.increment(kB, 10);
  b.reset(kB);
  b.increment(kB, 100);
  c.increment(kC, 1000);
  a.increment(kA, 2);
  CHECK(merged(a, b) == merged(b, a));
  CHECK(merged(merged(a, b), c) == merged(a, merged(b, c)));
  CHECK(merged(merged(a, b), c).value() == 1102);
}

TEST_CASE("CausalCounter: deltas merged in any order, and twice, equal the full states",
          "[causal_counter][delta]") {
  CausalCounter a;
  CausalCounter b;
  std::vector<CausalCounter> deltas;
  deltas.push_back(a.increment(kA, 2));
  b.merge(a);
  deltas.push_back(b.reset(kB));
  deltas.push_back(a.increment(kA, 3));
  deltas.push_back(b.increment(kB, 10));
  deltas.push_back(a.decrement(kA, 1));
  const CausalCounter expected = merged(a, b);
  CHECK(expected.value() == 12);
  check_delta_orders(deltas, expected);
}

TEST_CASE("CausalCounter: delta_since sends exactly what the peer lacks",
          "[causal_counter][delta]") {
  CausalCounter a;
  CausalCounter b;
  SECTION("peer is bottom") {
    a.increment(kA, 5);
    check_delta_since(a, b);
    check_delta_since(b, a);
  }
  SECTION("peer is behind, including a reset") {
    a.increment(kA, 5);
    b.merge(a);
    a.reset(kA);
    a.increment(kA, 1);
    check_delta_since(a, b);
    CHECK(merged(b, a.delta_since(b.context())).value() == 1);
  }
  SECTION("concurrent histories") {
    a.increment(kA, 5);
    b.merge(a);
    b.reset(kB);
    b.increment(kB, 2);
    a.increment(kA, 7);
    check_delta_since(a, b);
    check_delta_since(b, a);
    CHECK(merged(b, a.delta_since(b.context())).value() == 9);
  }
  SECTION("peer is caught up or ahead") {
    a.increment(kA, 5);
    b.merge(a);
    CHECK(a.delta_since(b.context()).empty());
    b.increment(kB, 1);
    CHECK(a.delta_since(b.context()).empty());
  }
}

TEST_CASE("CausalCounter: states with the same context are equal", "[causal_counter]") {
  CausalCounter a;
  CausalCounter b;
  a.increment(kA, 1);
  b.increment(kB, 2);
  a.merge(b);
  a.reset(kA);
  b.merge(a);
  CHECK(a.context() == b.context());
  CHECK(a == b);
}

TEST_CASE("CausalCounter: the int64 limits are reachable", "[causal_counter][overflow]") {
  CausalCounter c;
  c.increment(kA, kMax);
  CHECK(c.value() == kMax);
  c.decrement(kA, kMax);
  c.decrement(kA, kMax);
  c.decrement(kA, 1);
  CHECK(c.value() == kMin);
  CausalCounter d;
  d.increment(kA, kMin);
  CHECK(d.value() == kMin);
}

TEST_CASE("CausalCounter: a local change that would overflow throws and changes nothing",
          "[causal_counter][overflow]") {
  CausalCounter c;
  SECTION("above INT64_MAX") {
    c.increment(kA, kMax);
    const CausalCounter before = c;
    CHECK_THROWS_AS(c.increment(kA), std::overflow_error);
    CHECK_THROWS_AS(c.increment(kB, kMax), std::overflow_error);
    CHECK_THROWS_AS(c.decrement(kA, -1), std::overflow_error);
    CHECK_THROWS_AS(c.decrement(kA, kMin), std::overflow_error);
    CHECK(c == before);
    c.decrement(kA, 1);
    CHECK(c.value() == kMax - 1);
  }
  SECTION("below INT64_MIN") {
    c.increment(kA, kMin);
    const CausalCounter before = c;
    CHECK_THROWS_AS(c.decrement(kA), std::overflow_error);
    CHECK_THROWS_AS(c.increment(kA, kMin), std::overflow_error);
    CHECK_THROWS_AS(c.decrement(kA, kMax), std::overflow_error);
    CHECK(c == before);
    c.increment(kA, kMax);
    CHECK(c.value() == -1);
  }
  SECTION("decrement by INT64_MIN from zero") {
    CHECK_THROWS_AS(c.decrement(kA, kMin), std::overflow_error);
    CHECK(c.empty());
  }
}

TEST_CASE("CausalCounter: decrement by INT64_MIN is exact when its result fits",
          "[causal_counter][overflow]") {
  CausalCounter c;
  c.decrement(kA, 1);
  const CausalCounter delta = c.decrement(kA, kMin);
  CHECK(c.value() == kMax);
  CHECK(delta.store().size() == 2);
  CausalCounter other;
  other.merge(delta);
  CHECK(other.value() == kMax);  // the delta alone adds 2^63, saturated
  other.merge(c);
  CHECK(other == c);
  SECTION("from INT64_MIN it reaches 0") {
    CausalCounter m;
    m.increment(kA, kMin);
    m.decrement(kA, kMin);
    CHECK(m.value() == 0);
  }
}

TEST_CASE("CausalCounter: a merged total beyond int64 saturates and keeps exact amounts",
          "[causal_counter][overflow]") {
  CausalCounter a;
  CausalCounter b;
  CausalCounter c;
  a.increment(kA, kMax);
  b.increment(kB, kMax);
  c.decrement(kC, kMax);
  const CausalCounter ab = merged(a, b);
  CHECK(ab.value() == kMax);
  CHECK(merged(ab, c).value() == kMax);  // MAX + MAX - MAX, not a saturated intermediate
  CHECK(merged(merged(a, c), b).value() == kMax);

  SECTION("a local change further out throws, one back towards the range is accepted") {
    CausalCounter s = ab;
    const CausalCounter before = s;
    CHECK_THROWS_AS(s.increment(kA, 1), std::overflow_error);
    CHECK(s == before);
    s.decrement(kA, 1);
    CHECK(s.value() == kMax);  // exact total 2^64 - 3, still above the range
    s.decrement(kA, kMax);
    CHECK(s.value() == kMax - 1);
  }
  SECTION("negative totals saturate at INT64_MIN") {
    CausalCounter x;
    CausalCounter y;
    x.increment(kA, kMin);
    y.increment(kB, kMin);
    CausalCounter s = merged(x, y);
    CHECK(s.value() == kMin);
    CHECK_THROWS_AS(s.decrement(kA, 1), std::overflow_error);
    s.increment(kA, kMax);
    CHECK(s.value() == kMin);
    s.increment(kA, 1);
    CHECK(s.value() == kMin);
    s.increment(kA, 1);
    CHECK(s.value() == kMin + 1);
  }
  SECTION("a reset brings a saturated counter back") {
    CausalCounter s = ab;
    s.reset(kA);
    CHECK(s.value() == 0);
  }
}

TEST_CASE("CausalCounter: into_parts and the constructor round-trip", "[causal_counter]") {
  CausalCounter c;
  c.increment(kA, 4);
  c.decrement(kB, 1);
  const CausalCounter copy = c;
  auto [store, context] = std::move(c).into_parts();
  const CausalCounter rebuilt(std::move(store), std::move(context));
  CHECK(rebuilt == copy);
  CHECK(rebuilt.value() == 3);
}

TEST_CASE("CausalCounter: well_formed rejects a dot outside the context", "[causal_counter]") {
  VersionVector context;
  context.add(Dot{kA, 1});
  CHECK(CausalCounter(CausalCounter::Store{{Dot{kA, 1}, 5}}, context).well_formed());
  CHECK_FALSE(CausalCounter(CausalCounter::Store{{Dot{kB, 1}, 5}}, context).well_formed());
}
