#include <algorithm>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <vector>

#include <catch2/catch.hpp>

#include <crdt/pn_counter.hpp>

namespace {

using crdt::PNCounter;
using crdt::ReplicaId;
using crdt::VersionVector;

const ReplicaId kA{1};
const ReplicaId kB{2};
const ReplicaId kC{3};

PNCounter merged(PNCounter a, const PNCounter& b) {
  a.merge(b);
  return a;
}

}  // namespace

TEST_CASE("PNCounter: increments and decrements add up per replica", "[pn_counter]") {
  PNCounter c;
  CHECK(c.empty());
  CHECK(c.value() == 0);

  const PNCounter d1 = c.increment(kA, 5);
  const PNCounter d2 = c.decrement(kA, 2);
  const PNCounter d3 = c.decrement(kB);
  CHECK(c.value() == 2);
  CHECK(c.increments(kA) == 5);
  CHECK(c.decrements(kA) == 2);
  CHECK(c.decrements(kB) == 1);
  CHECK(c.increments(kC) == 0);
  CHECK_FALSE(c.empty());

  SECTION("a delta is the replica's new entry") {
    REQUIRE(d2.entries().size() == 1);
    CHECK(d2.entries().at(kA) == PNCounter::Entry{5, 2, 2});
    CHECK(d3.entries().at(kB) == PNCounter::Entry{0, 1, 1});
    CHECK(d1.value() == 5);
  }
  SECTION("the context names each replica's operations") {
    VersionVector expected;
    expected.add_range(kA, 1, 2);
    expected.add_range(kB, 1, 1);
    CHECK(c.context() == expected);
  }
  SECTION("an amount of zero changes nothing") {
    const PNCounter before = c;
    CHECK(c.increment(kA, 0).empty());
    CHECK(c.decrement(kC, 0).empty());
    CHECK(c == before);
  }
  CHECK(c.well_formed());
}

TEST_CASE("PNCounter: merge with bottom and with itself changes nothing", "[pn_counter][merge]") {
  PNCounter c;
  c.increment(kA, 3);
  c.decrement(kB, 1);
  const PNCounter before = c;
  c.merge(PNCounter{});
  CHECK(c == before);
  c.merge(c);
  CHECK(c == before);
  CHECK(merged(PNCounter{}, c) == c);
}

TEST_CASE("PNCounter: deltas merged in any order, any number of times, equal the full states",
          "[pn_counter][merge][delta]") {
  std::mt19937_64 rng(7);
  const std::vector<ReplicaId> replicas{kA, kB, kC};
  std::vector<PNCounter> states(replicas.size());
  std::vector<PNCounter> deltas;
  for (int i = 0; i < 60; ++i) {
    const std::size_t who = rng() % replicas.size();
    const std::uint64_t n = rng() % 10 + 1;
    deltas.push_back(rng() % 2 == 0 ? states[who].increment(replicas[who], n)
                                    : states[who].decrement(replicas[who], n));
  }
  PNCounter full;
  for (const auto& s : states) full.merge(s);

  for (int round = 0; round < 5; ++round) {
    std::vector<PNCounter> shuffled = deltas;
    shuffled.insert(shuffled.end(), deltas.begin(), deltas.begin() + 20);
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    PNCounter target;
    for (const auto& d : shuffled) target.merge(d);
    CHECK(target == full);
  }

  PNCounter ab = merged(states[0], states[1]);
  PNCounter ba = merged(states[1], states[0]);
  CHECK(ab == ba);
  CHECK(merged(merged(states[0], states[1]), states[2]) ==
        merged(states[0], merged(states[1], states[2])));
}

TEST_CASE("PNCounter: delta_since ships exactly what the peer lacks", "[pn_counter][delta]") {
  PNCounter a;
  PNCounter b;
  a.increment(kA, 4);
  b.merge(a);
  a.increment(kA, 1);
  a.increment(kC, 2);
  b.decrement(kB, 3);

  const PNCounter delta = a.delta_since(b.context());
  CHECK(delta.entries().size() == 2);
  CHECK(delta.entries().count(kA) == 1);
  CHECK(delta.entries().count(kC) == 1);
  CHECK(merged(b, delta) == merged(b, a));
  CHECK(merged(a, b.delta_since(a.context())) == merged(a, b));

  CHECK(a.delta_since(a.context()).empty());
  const PNCounter everything = merged(a, b);
  CHECK(a.delta_since(everything.context()).empty());
  CHECK(PNCounter{}.delta_since(VersionVector{}).empty());
  CHECK(a.delta_since(VersionVector{}) == a);
}

TEST_CASE("PNCounter: an operation that leaves the int64 range throws and changes nothing",
          "[pn_counter][overflow]") {
  PNCounter c;
  c.increment(kA, INT64_MAX - 1);
  c.increment(kA);
  CHECK(c.value() == INT64_MAX);
  const PNCounter at_max = c;
  CHECK_THROWS_AS(c.increment(kA), std::overflow_error);
  CHECK_THROWS_AS(c.increment(kB, UINT64_MAX), std::overflow_error);
  CHECK(c == at_max);

  PNCounter low;
  low.decrement(kA, static_cast<std::uint64_t>(INT64_MAX) + 1);
  CHECK(low.value() == INT64_MIN);
  const PNCounter at_min = low;
  CHECK_THROWS_AS(low.decrement(kB), std::overflow_error);
  CHECK(low == at_min);
  low.increment(kB, 1);
  CHECK(low.value() == INT64_MIN + 1);
}

TEST_CASE("PNCounter: an increment that overflows the replica's own total throws",
          "[pn_counter][overflow]") {
  PNCounter b;
  b.decrement(kB, static_cast<std::uint64_t>(INT64_MAX) + 1);
  PNCounter c;
  c.decrement(kC, static_cast<std::uint64_t>(INT64_MAX) + 1);
  PNCounter a = merged(b, c);
  a.increment(kA, UINT64_MAX);
  CHECK(a.value() == -1);
  const PNCounter before = a;
  CHECK_THROWS_AS(a.increment(kA), std::overflow_error);
  CHECK(a == before);
  a.increment(ReplicaId{4}, 1);
  CHECK(a.value() == 0);
}

TEST_CASE("PNCounter: a merged state beyond the int64 range saturates", "[pn_counter][overflow]") {
  PNCounter a;
  a.increment(kA, INT64_MAX);
  PNCounter b;
  b.increment(kB, INT64_MAX);
  PNCounter both = merged(a, b);
  CHECK(both.value() == INT64_MAX);
  CHECK(both.increments(kA) == static_cast<std::uint64_t>(INT64_MAX));
  CHECK(both.increments(kB) == static_cast<std::uint64_t>(INT64_MAX));
  CHECK_THROWS_AS(both.increment(kC), std::overflow_error);
  both.decrement(kC, static_cast<std::uint64_t>(INT64_MAX));
  CHECK(both.value() == INT64_MAX);
  both.decrement(kC, 1);
  CHECK(both.value() == INT64_MAX - 1);

  PNCounter x;
  x.decrement(kA, static_cast<std::uint64_t>(INT64_MAX) + 1);
  PNCounter y;
  y.decrement(kB, 5);
  CHECK(merged(x, y).value() == INT64_MIN);
}

TEST_CASE("PNCounter: the null replica is refused", "[pn_counter]") {
  PNCounter c;
  CHECK_THROWS_AS(c.increment(ReplicaId{}), std::invalid_argument);
  CHECK_THROWS_AS(c.decrement(ReplicaId{}), std::invalid_argument);
  CHECK(c.empty());
  CHECK(c.well_formed());
}
