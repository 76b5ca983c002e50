#include <algorithm>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <crdt/lww_register.hpp>

namespace {

using crdt::ClockSkewPolicy;
using crdt::HlcStamp;
using crdt::HybridLogicalClock;
using crdt::ReplicaId;
using crdt::VersionVector;
using Register = crdt::LWWRegister<std::string>;

const ReplicaId kA{1};
const ReplicaId kB{2};
const ReplicaId kC{3};

constexpr std::uint64_t kStart = 1'700'000'000'000;
constexpr std::uint64_t kOffset = 1'000;

// A physical clock the test sets by hand.
struct ManualTime {
  std::uint64_t ms = kStart;
  HybridLogicalClock::TimeSource source() {
    return [this] { return ms; };
  }
};

Register merged(Register a, const Register& b) {
  a.merge(b);
  return a;
}

}  // namespace

TEST_CASE("LWWRegister: an empty register has no value", "[lww_register]") {
  const Register r;
  CHECK(r.empty());
  CHECK(r.get() == nullptr);
  CHECK_FALSE(r.value().has_value());
  CHECK(r.stamp() == HlcStamp{});
  CHECK(r.writer() == ReplicaId{});
  CHECK(r.discarded() == 0);
  CHECK(r.well_formed());
}

TEST_CASE("LWWRegister: set stores the value, its stamp and its writer", "[lww_register]") {
  ManualTime time;
  HybridLogicalClock clock(time.source(), kOffset);
  Register r;
  const Register delta = r.set(kA, clock, "hello");
  REQUIRE(r.get() != nullptr);
  CHECK(*r.get() == "hello");
  CHECK(r.value() == std::optional<std::string>("hello"));
  CHECK(r.stamp() == HlcStamp{kStart, 0});
  CHECK(r.writer() == kA);
  CHECK(r.discarded() == 0);
  CHECK(delta == r);

  time.ms += 10;
  const Register second = r.set(kA, clock, "world");
  CHECK(*r.get() == "world");
  CHECK(r.stamp() == HlcStamp{kStart + 10, 0});
  CHECK(r.discarded() == 0);
  CHECK(r.context().contiguous(kA) == 2);
  CHECK(second.context().count() == 1);
  CHECK(second.winner()->seen.contiguous(kA) == 1);
  CHECK(second.well_formed());
  CHECK(r.well_formed());
}

TEST_CASE("LWWRegister: concurrent writes resolve identically and count one discard",
          "[lww_register][merge]") {
  ManualTime time_a;
  ManualTime time_b;
  time_b.ms += 5;
  HybridLogicalClock clock_a(time_a.source(), kOffset);
  HybridLogicalClock clock_b(time_b.source(), kOffset);
  Register a;
  Register b;
  const Register delta_a = a.set(kA, clock_a, "from a");
  const Register delta_b = b.set(kB, clock_b, "from b");
  a.merge(delta_b);
  b.merge(delta_a);

  CHECK(a == b);
  CHECK(*a.get() == "from b");
  CHECK(a.writer() == kB);
  CHECK(a.discarded() == 1);
  CHECK(b.discarded() == 1);

  SECTION("duplicated and reordered deltas change nothing") {
    b.merge(delta_b);
    b.merge(delta_a);
    b.merge(b);
    CHECK(b == a);
    CHECK(b.discarded() == 1);
  }
  SECTION("a write made after seeing both values discards nothing") {
    time_a.ms += 100;
    const Register fix = a.set(kA, clock_a, "resolved");
    CHECK(a.discarded() == 0);
    b.merge(fix);
    CHECK(b == a);
    CHECK(b.discarded() == 0);
    CHECK(*b.get() == "resolved");
  }
}

TEST_CASE("LWWRegister: equal stamps are broken by replica id, whatever the merge order",
          "[lww_register][merge]") {
  ManualTime time;
  HybridLogicalClock clock_a(time.source(), kOffset);
  HybridLogicalClock clock_c(time.source(), kOffset);
  Register a;
  Register c;
  const Register delta_a = a.set(kA, clock_a, "a");
  const Register delta_c = c.set(kC, clock_c, "c");
  REQUIRE(delta_a.stamp() == delta_c.stamp());

  const Register ac = merged(a, delta_c);
  const Register ca = merged(c, delta_a);
  CHECK(ac == ca);
  CHECK(ac.writer() == kC);
  CHECK(*ac.get() == "c");
  CHECK(ac.discarded() == 1);
  CHECK(merged(merged(Register{}, delta_c), delta_a) ==
        merged(merged(Register{}, delta_a), delta_c));
}

TEST_CASE("LWWRegister: discarded counts every unseen write of a concurrent writer",
          "[lww_register][merge]") {
  ManualTime time_a;
  ManualTime time_b;
  HybridLogicalClock clock_a(time_a.source(), kOffset);
  HybridLogicalClock clock_b(time_b.source(), kOffset);
  Register a;
  Register b;
  a.set(kA, clock_a, "a1");
  time_a.ms += 1;
  a.set(kA, clock_a, "a2");

  SECTION("the other writer wins: both of a's writes are discarded") {
    time_b.ms += 50;
    b.set(kB, clock_b, "b1");
    const Register both = merged(a, b);
    CHECK(*both.get() == "b1");
    CHECK(both.discarded() == 2);
    CHECK(merged(b, a).discarded() == 2);
  }
  SECTION("a's later write wins: only b's write is discarded, a1 was replaced knowingly") {
    b.set(kB, clock_b, "b1");
    const Register both = merged(a, b);
    CHECK(*both.get() == "a2");
    CHECK(both.discarded() == 1);
  }
}

TEST_CASE("LWWRegister: merge with bottom and with itself changes nothing",
          "[lww_register][merge]") {
  ManualTime time;
  HybridLogicalClock clock(time.source(), kOffset);
  Register r;
  r.set(kA, clock, "x");
  const Register before = r;
  r.merge(Register{});
  CHECK(r == before);
  r.merge(r);
  CHECK(r == before);
  CHECK(merged(Register{}, r) == r);
}

TEST_CASE("LWWRegister: deltas in any order and multiplicity equal the merged states",
          "[lww_register][merge][delta]") {
  std::mt19937_64 rng(11);
  const std::vector<ReplicaId> replicas{kA, kB, kC};
  std::vector<ManualTime> times(replicas.size());
  std::vector<HybridLogicalClock> clocks;
  for (auto& t : times) clocks.emplace_back(t.source(), kOffset);
  std::vector<Register> states(replicas.size());
  std::vector<Register> deltas;

  for (int i = 0; i < 80; ++i) {
    const std::size_t who = rng() % replicas.size();
    times[who].ms += rng() % 3;
    if (rng() % 4 == 0) {
      const std::size_t from = rng() % replicas.size();
      states[who].merge(states[from]);
    } else {
      deltas.push_back(states[who].set(replicas[who], clocks[who], std::to_string(i)));
    }
  }
  Register full;
  for (const auto& s : states) full.merge(s);
  CHECK(full.well_formed());

  for (int round = 0; round < 5; ++round) {
    std::vector<Register> shuffled = deltas;
    shuffled.insert(shuffled.end(), deltas.begin(), deltas.begin() + 10);
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    Register target;
    for (const auto& d : shuffled) target.merge(d);
    CHECK(target == full);
    CHECK(target.discarded() == full.discarded());
  }
  CHECK(merged(states[0], states[1]) == merged(states[1], states[0]));
  CHECK(merged(merged(states[0], states[1]), states[2]) ==
        merged(states[0], merged(states[1], states[2])));
}

TEST_CASE("LWWRegister: delta_since ships exactly what the peer lacks", "[lww_register][delta]") {
  ManualTime time_a;
  ManualTime time_b;
  HybridLogicalClock clock_a(time_a.source(), kOffset);
  HybridLogicalClock clock_b(time_b.source(), kOffset);
  Register a;
  Register b;
  a.set(kA, clock_a, "1");
  b.merge(a);
  time_a.ms += 1;
  a.set(kA, clock_a, "2");
  b.set(kB, clock_b, "3");

  const Register delta = a.delta_since(b.context());
  CHECK(delta.well_formed());
  CHECK_FALSE(delta.context().contains({kA, 1}));
  CHECK(delta.context().contains({kA, 2}));
  CHECK(merged(b, delta) == merged(b, a));
  CHECK(merged(a, b.delta_since(a.context())) == merged(a, b));

  CHECK(a.delta_since(a.context()).empty());
  CHECK(Register{}.delta_since(VersionVector{}).empty());
  CHECK(a.delta_since(VersionVector{}) == a);

  SECTION("a peer that holds the winner receives only the dots it lacks") {
    const Register both = merged(a, b);
    REQUIRE(both.writer() == kA);
    const Register only_dots = both.delta_since(a.context());
    CHECK_FALSE(only_dots.winner().has_value());
    CHECK(only_dots.context().contains({kB, 1}));
    CHECK(only_dots.context().count() == 1);
    CHECK(only_dots.well_formed());
    CHECK(merged(a, only_dots) == both);
    CHECK(merged(a, only_dots).discarded() == 1);
  }
}

TEST_CASE("LWWRegister: a write over a far-future value still wins, without dragging the clock",
          "[lww_register][skew]") {
  ManualTime skewed;
  skewed.ms = 4'070'908'800'000;
  ManualTime normal;
  HybridLogicalClock skewed_clock(skewed.source(), kOffset);
  HybridLogicalClock clock(normal.source(), kOffset, ClockSkewPolicy::clamp);
  HybridLogicalClock other_clock(normal.source(), kOffset, ClockSkewPolicy::refuse);

  Register far;
  const Register future = far.set(kA, skewed_clock, "from 2099");

  Register concurrent;
  const Register lost = concurrent.set(kC, other_clock, "concurrent");
  concurrent.merge(future);
  CHECK(*concurrent.get() == "from 2099");
  CHECK(concurrent.discarded() == 1);

  Register local;
  local.merge(future);
  const Register fix = local.set(kB, clock, "from now");
  CHECK(*local.get() == "from now");
  CHECK(local.stamp() > future.stamp());
  CHECK(clock.last().wall_ms <= normal.ms + kOffset);
  CHECK(clock.skew_events() == 1);
  CHECK(local.discarded() == 0);

  concurrent.merge(fix);
  far.merge(fix);
  far.merge(lost);
  CHECK(far == concurrent);
  CHECK(*far.get() == "from now");
  CHECK(far.discarded() == 1);
}

TEST_CASE("LWWRegister: empty and large string values", "[lww_register]") {
  ManualTime time;
  HybridLogicalClock clock(time.source(), kOffset);

  Register empty_value;
  empty_value.set(kA, clock, "");
  REQUIRE(empty_value.get() != nullptr);
  CHECK(empty_value.get()->empty());
  CHECK(empty_value.value() == std::optional<std::string>(""));
  CHECK_FALSE(empty_value.empty());

  std::string big(1 << 20, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
  Register large;
  const Register delta = large.set(kB, clock, big);
  REQUIRE(large.get() != nullptr);
  CHECK(*large.get() == big);
  Register copy;
  copy.merge(delta);
  CHECK(copy == large);
  CHECK(copy.get()->size() == std::size_t{1} << 20);

  empty_value.merge(copy);
  CHECK(*empty_value.get() == big);
}

TEST_CASE("LWWRegister: the null replica is refused", "[lww_register]") {
  ManualTime time;
  HybridLogicalClock clock(time.source(), kOffset);
  Register r;
  CHECK_THROWS_AS(r.set(ReplicaId{}, clock, "x"), std::invalid_argument);
  CHECK(r.empty());
}

TEST_CASE("LWWRegister<int>: works for any regular value type", "[lww_register]") {
  ManualTime time;
  HybridLogicalClock clock(time.source(), kOffset);
  crdt::LWWRegister<int> r;
  r.set(kA, clock, 42);
  CHECK(r.value() == std::optional<int>(42));
  static_assert(crdt::DeltaCrdt<crdt::LWWRegister<int>>);
}
