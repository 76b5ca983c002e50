#include <algorithm>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <vector>

#include <catch2/catch.hpp>

#include <crdt/bounded_counter.hpp>

namespace {

using crdt::BasicBoundedCounter;
using crdt::BoundedCounter;
using crdt::ReplicaId;
using crdt::VersionVector;

const ReplicaId kA{1};
const ReplicaId kB{2};
const ReplicaId kC{3};

template <class Counter>
Counter merged(Counter a, const Counter& b) {
  a.merge(b);
  return a;
}

// Floor + increments - decrements computed from the entries, without the clamp of value(); the
// amounts in these tests are small enough for int64.
template <class Counter>
std::int64_t raw_value(const Counter& c) {
  std::int64_t total = Counter::kFloor;
  for (const auto& [replica, entry] : c.entries()) {
    total += static_cast<std::int64_t>(entry.increments);
    total -= static_cast<std::int64_t>(entry.decrements);
  }
  return total;
}

}  // namespace

TEST_CASE("BoundedCounter: an increment gives rights and a decrement spends them",
          "[bounded_counter]") {
  BoundedCounter c;
  CHECK(c.empty());
  CHECK(c.value() == 0);
  CHECK(c.rights(kA) == 0);

  const BoundedCounter inc = c.increment(kA, 10);
  CHECK(c.value() == 10);
  CHECK(c.rights(kA) == 10);
  CHECK(c.rights(kB) == 0);
  CHECK(inc == c);

  const auto dec = c.decrement(kA, 4);
  REQUIRE(dec.has_value());
  CHECK(dec->entries().size() == 1);
  CHECK(dec->decrements(kA) == 4);
  CHECK(c.value() == 6);
  CHECK(c.rights(kA) == 6);

  SECTION("a decrement beyond the replica's rights is refused and changes nothing") {
    const BoundedCounter before = c;
    CHECK_FALSE(c.decrement(kA, 7).has_value());
    CHECK_FALSE(c.decrement(kB, 1).has_value());
    CHECK(c == before);
    const auto rest = c.decrement(kA, 6);
    REQUIRE(rest.has_value());
    CHECK(c.value() == 0);
    CHECK(c.rights(kA) == 0);
  }
  SECTION("amounts of zero change nothing") {
    const BoundedCounter before = c;
    CHECK(c.increment(kA, 0).empty());
    const auto zero = c.decrement(kB, 0);
    REQUIRE(zero.has_value());
    CHECK(zero->empty());
    CHECK(c == before);
  }
  CHECK(c.well_formed());
}

TEST_CASE("BoundedCounter: rights move by transfer and the receiver can then spend them",
          "[bounded_counter][transfer]") {
  BoundedCounter a;
  BoundedCounter b;
  a.increment(kA, 10);
  const auto sent = a.transfer(kA, kB, 4);
  REQUIRE(sent.has_value());
  CHECK(a.rights(kA) == 6);
  CHECK(a.rights(kB) == 4);
  CHECK(a.transferred(kA, kB) == 4);
  CHECK(a.value() == 10);

  CHECK_FALSE(b.decrement(kB, 1).has_value());
  b.merge(*sent);
  CHECK(b.rights(kB) == 4);
  REQUIRE(b.decrement(kB, 3).has_value());
  CHECK_FALSE(b.decrement(kB, 2).has_value());
  REQUIRE(b.decrement(kB, 1).has_value());
  CHECK(b.rights(kB) == 0);
  CHECK(b.value() == 6);

  SECTION("rights can travel back") {
    a.merge(b);
    b.increment(kB, 2);
    const auto back = b.transfer(kB, kA, 2);
    REQUIRE(back.has_value());
    a.merge(*back);
    CHECK(a.rights(kA) == 8);
    CHECK(a.transferred(kB, kA) == 2);
    CHECK(a.value() == 8);
  }
  SECTION("a transfer beyond the sender's rights is refused") {
    const BoundedCounter before = a;
    CHECK_FALSE(a.transfer(kA, kC, 7).has_value());
    CHECK_FALSE(a.transfer(kC, kA, 1).has_value());
    CHECK(a == before);
  }
  SECTION("a transfer to oneself or of nothing is a bottom delta") {
    const BoundedCounter before = a;
    const auto self = a.transfer(kA, kA, 3);
    REQUIRE(self.has_value());
    CHECK(self->empty());
    const auto nothing = a.transfer(kA, kB, 0);
    REQUIRE(nothing.has_value());
    CHECK(nothing->empty());
    CHECK(a == before);
  }
  SECTION("the null replica is refused on either side") {
    CHECK_THROWS_AS(a.transfer(kA, ReplicaId{}, 1), std::invalid_argument);
    CHECK_THROWS_AS(a.transfer(ReplicaId{}, kA, 1), std::invalid_argument);
    CHECK_THROWS_AS(a.increment(ReplicaId{}, 1), std::invalid_argument);
    CHECK_THROWS_AS(a.decrement(ReplicaId{}, 1), std::invalid_argument);
  }
  CHECK(a.well_formed());
  CHECK(b.well_formed());
}

TEST_CASE("BoundedCounter: concurrent decrements spend disjoint rights", "[bounded_counter]") {
  BoundedCounter a;
  a.increment(kA, 5);
  REQUIRE(a.transfer(kA, kB, 3).has_value());
  BoundedCounter b = a;

  REQUIRE(a.decrement(kA, 2).has_value());
  CHECK_FALSE(a.decrement(kA, 1).has_value());
  REQUIRE(b.decrement(kB, 3).has_value());
  CHECK_FALSE(b.decrement(kB, 1).has_value());

  const BoundedCounter ab = merged(a, b);
  CHECK(ab == merged(b, a));
  CHECK(ab.value() == 0);
  CHECK(raw_value(ab) == 0);
  CHECK(ab.rights(kA) == 0);
  CHECK(ab.rights(kB) == 0);
}

TEMPLATE_TEST_CASE("BasicBoundedCounter: the value never goes below the floor in any interleaving",
                   "[bounded_counter][floor]", BoundedCounter, BasicBoundedCounter<-50>,
                   BasicBoundedCounter<100>) {
  constexpr std::int64_t kFloor = TestType::kFloor;
  std::mt19937_64 rng(GENERATE(1u, 2u, 3u, 4u));
  const std::vector<ReplicaId> replicas{kA, kB, kC};
  std::vector<TestType> states(replicas.size());
  std::size_t refused = 0;

  for (int step = 0; step < 400; ++step) {
    const std::size_t who = rng() % replicas.size();
    const std::size_t other = (who + 1 + rng() % (replicas.size() - 1)) % replicas.size();
    const std::uint64_t n = rng() % 8 + 1;
    TestType& state = states[who];
    switch (rng() % 6) {
      case 0:
        state.increment(replicas[who], n);
        break;
      case 1:
      case 2:
        if (!state.decrement(replicas[who], n)) ++refused;
        break;
      case 3:
        if (!state.transfer(replicas[who], replicas[other], n)) ++refused;
        break;
      case 4:
        state.merge(states[other]);
        break;
      default:
        state.merge(states[other].delta_since(state.context()));
        break;
    }
    for (const auto& s : states) {
      REQUIRE(raw_value(s) >= kFloor);
      REQUIRE(s.value() == raw_value(s));
    }
  }
  CHECK(refused > 0);

  TestType all;
  for (const auto& s : states) all.merge(s);
  for (auto& s : states) s.merge(all.delta_since(s.context()));
  for (const auto& s : states) CHECK(s == all);
  std::uint64_t total_rights = 0;
  for (const ReplicaId r : replicas) total_rights += all.rights(r);
  CHECK(static_cast<std::int64_t>(total_rights) == all.value() - kFloor);
  CHECK(all.well_formed());
}

TEST_CASE("BoundedCounter: a decrement's delta ahead of its funding transfer reads the floor",
          "[bounded_counter][floor]") {
  BasicBoundedCounter<-20> s;
  s.increment(kA, 15);
  REQUIRE(s.transfer(kA, kB, 10).has_value());
  BasicBoundedCounter<-20> r = s;
  const auto spend = r.decrement(kB, 10);
  REQUIRE(spend.has_value());

  BasicBoundedCounter<-20> x;
  x.merge(*spend);
  CHECK(raw_value(x) == -30);
  CHECK(x.value() == -20);
  CHECK(x.rights(kB) == 0);

  x.merge(s);
  CHECK(x.value() == -15);
  CHECK(x == r);
}

TEST_CASE("BoundedCounter: merge with bottom, itself, and deltas in any order",
          "[bounded_counter][merge][delta]") {
  std::mt19937_64 rng(5);
  const std::vector<ReplicaId> replicas{kA, kB, kC};
  std::vector<BoundedCounter> states(replicas.size());
  std::vector<BoundedCounter> deltas;
  for (int i = 0; i < 90; ++i) {
    const std::size_t who = rng() % replicas.size();
    const std::size_t other = (who + 1) % replicas.size();
    const std::uint64_t n = rng() % 5 + 1;
    BoundedCounter& state = states[who];
    switch (rng() % 4) {
      case 0:
        deltas.push_back(state.increment(replicas[who], n));
        break;
      case 1:
        if (auto d = state.decrement(replicas[who], n)) deltas.push_back(*d);
        break;
      case 2:
        if (auto d = state.transfer(replicas[who], replicas[other], n)) deltas.push_back(*d);
        break;
      default:
        state.merge(states[other]);
        break;
    }
  }
  BoundedCounter full;
  for (const auto& s : states) full.merge(s);

  BoundedCounter self = full;
  self.merge(self);
  self.merge(BoundedCounter{});
  CHECK(self == full);
  CHECK(merged(BoundedCounter{}, full) == full);

  for (int round = 0; round < 5; ++round) {
    std::vector<BoundedCounter> shuffled = deltas;
    shuffled.insert(shuffled.end(), deltas.begin(), deltas.begin() + 15);
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    BoundedCounter target;
    for (const auto& d : shuffled) target.merge(d);
    CHECK(target == full);
  }
  CHECK(merged(states[0], states[1]) == merged(states[1], states[0]));
}

TEST_CASE("BoundedCounter: context and delta_since follow each replica's operations",
          "[bounded_counter][delta]") {
  BoundedCounter a;
  a.increment(kA, 3);
  REQUIRE(a.transfer(kA, kB, 1).has_value());
  BoundedCounter b = a;
  REQUIRE(b.decrement(kB, 1).has_value());
  a.increment(kA, 2);
  a.increment(kC, 1);

  VersionVector expected;
  expected.add_range(kA, 1, 3);
  expected.add_range(kC, 1, 1);
  CHECK(a.context() == expected);

  const BoundedCounter delta = a.delta_since(b.context());
  CHECK(delta.entries().size() == 2);
  CHECK(delta.entries().count(kB) == 0);
  CHECK(merged(b, delta) == merged(b, a));
  CHECK(merged(a, b.delta_since(a.context())) == merged(a, b));
  CHECK(a.delta_since(a.context()).empty());
  CHECK(a.delta_since(VersionVector{}) == a);
}

TEST_CASE("BasicBoundedCounter: an increment beyond INT64_MAX throws and changes nothing",
          "[bounded_counter][overflow]") {
  BasicBoundedCounter<INT64_MAX - 10> c;
  CHECK(c.value() == INT64_MAX - 10);
  c.increment(kA, 10);
  CHECK(c.value() == INT64_MAX);
  const auto before = c;
  CHECK_THROWS_AS(c.increment(kB, 1), std::overflow_error);
  CHECK(c == before);

  BasicBoundedCounter<INT64_MAX - 10> d;
  d.increment(kB, 10);
  CHECK(merged(c, d).value() == INT64_MAX);
}

TEST_CASE("BasicBoundedCounter: totals that would overflow uint64 throw and change nothing",
          "[bounded_counter][overflow]") {
  BasicBoundedCounter<INT64_MIN> c;
  c.increment(kA, UINT64_MAX);
  CHECK(c.value() == INT64_MAX);
  CHECK(c.rights(kA) == UINT64_MAX);

  SECTION("cumulative transfers") {
    REQUIRE(c.transfer(kA, kB, UINT64_MAX).has_value());
    REQUIRE(c.transfer(kB, kA, UINT64_MAX).has_value());
    CHECK(c.rights(kA) == UINT64_MAX);
    const auto before = c;
    CHECK_THROWS_AS((void)c.transfer(kA, kB, 1), std::overflow_error);
    CHECK(c == before);
  }
  SECTION("cumulative decrements") {
    REQUIRE(c.decrement(kA, UINT64_MAX).has_value());
    CHECK(c.value() == INT64_MIN);
    c.increment(kB, UINT64_MAX);
    REQUIRE(c.transfer(kB, kA, UINT64_MAX).has_value());
    CHECK(c.rights(kA) == UINT64_MAX);
    const auto before = c;
    CHECK_THROWS_AS((void)c.decrement(kA, 1), std::overflow_error);
    CHECK_THROWS_AS(c.increment(kA, 1), std::overflow_error);
    CHECK(c == before);
  }
}

TEST_CASE("BoundedCounter: states and deltas are well formed", "[bounded_counter]") {
  BoundedCounter c;
  CHECK(c.well_formed());
  const BoundedCounter inc = c.increment(kA, 4);
  const auto moved = c.transfer(kA, kB, 2);
  REQUIRE(moved.has_value());
  CHECK(inc.well_formed());
  CHECK(moved->well_formed());
  CHECK(c.well_formed());
  CHECK(c.delta_since(inc.context()).well_formed());
}
