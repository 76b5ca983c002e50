#include <cstdint>

#include <catch2/catch.hpp>

#include <crdt/causal/hybrid_logical_clock.hpp>

namespace {

using crdt::ClockSkewPolicy;
using crdt::HlcStamp;
using crdt::HybridLogicalClock;

// A physical clock the test sets by hand.
struct ManualTime {
  std::uint64_t ms = 1'000'000;
  HybridLogicalClock::TimeSource source() {
    return [this] { return ms; };
  }
};

constexpr std::uint64_t kOffset = 1'000;

}  // namespace

TEST_CASE("HybridLogicalClock: follows physical time while it moves forward", "[causal][hlc]") {
  ManualTime time;
  HybridLogicalClock clock(time.source(), kOffset);
  CHECK(clock.now() == HlcStamp{1'000'000, 0});
  CHECK(clock.now() == HlcStamp{1'000'000, 1});
  time.ms += 5;
  CHECK(clock.now() == HlcStamp{1'000'005, 0});
  CHECK(clock.last() == HlcStamp{1'000'005, 0});
}

TEST_CASE("HybridLogicalClock: stays monotonic when the wall clock jumps backwards",
          "[causal][hlc]") {
  ManualTime time;
  HybridLogicalClock clock(time.source(), kOffset);
  HlcStamp previous = clock.now();
  time.ms -= 60'000;
  for (int i = 0; i < 100; ++i) {
    const HlcStamp next = clock.now();
    CHECK(next > previous);
    CHECK(next.wall_ms == 1'000'000);
    previous = next;
  }
  time.ms = 1'000'001;
  const HlcStamp caught_up = clock.now();
  CHECK(caught_up > previous);
  CHECK(caught_up == HlcStamp{1'000'001, 0});
}

TEST_CASE("HybridLogicalClock: a full logical counter rolls over into wall_ms", "[causal][hlc]") {
  ManualTime time;
  HybridLogicalClock clock(time.source(), kOffset);
  const HlcStamp remote{time.ms + 10, UINT32_MAX - 1};
  REQUIRE(clock.observe(remote).accepted);
  CHECK(clock.now() == HlcStamp{time.ms + 10, UINT32_MAX});
  CHECK(clock.now() == HlcStamp{time.ms + 11, 0});
  CHECK(clock.now() == HlcStamp{time.ms + 11, 1});
  CHECK(HlcStamp{7, UINT32_MAX}.successor() == HlcStamp{8, 0});
}

TEST_CASE("HybridLogicalClock: a remote stamp ahead within the offset moves the clock",
          "[causal][hlc]") {
  ManualTime time;
  HybridLogicalClock clock(time.source(), kOffset, ClockSkewPolicy::refuse);
  const HlcStamp remote{time.ms + kOffset, 3};
  const auto seen = clock.observe(remote);
  CHECK(seen.accepted);
  CHECK_FALSE(seen.clamped);
  CHECK(clock.last() == remote);
  CHECK(clock.now() > remote);
  CHECK(clock.skew_events() == 0);

  SECTION("a stamp behind the clock changes nothing") {
    const HlcStamp before = clock.last();
    CHECK(clock.observe(HlcStamp{time.ms - 5, 0}).accepted);
    CHECK(clock.last() == before);
  }
}

TEST_CASE("HybridLogicalClock: a remote stamp beyond the offset is refused or clamped, and counted",
          "[causal][hlc][skew]") {
  ManualTime time;
  const HlcStamp far{time.ms + kOffset + 1, 0};
  const HlcStamp year_2099{4'070'908'800'000, 0};

  SECTION("refuse leaves the clock where it was") {
    HybridLogicalClock clock(time.source(), kOffset, ClockSkewPolicy::refuse);
    const HlcStamp before = clock.now();
    const auto seen = clock.observe(far);
    CHECK_FALSE(seen.accepted);
    CHECK_FALSE(seen.clamped);
    CHECK(clock.last() == before);
    CHECK_FALSE(clock.observe(year_2099).accepted);
    CHECK(clock.skew_events() == 2);
    CHECK(clock.now() < far);
  }
  SECTION("clamp moves the clock only up to the limit") {
    HybridLogicalClock clock(time.source(), kOffset, ClockSkewPolicy::clamp);
    const auto seen = clock.observe(year_2099);
    CHECK(seen.accepted);
    CHECK(seen.clamped);
    CHECK(clock.last() == HlcStamp{time.ms + kOffset, 0});
    CHECK(clock.skew_events() == 1);
    CHECK(clock.now() < year_2099);
  }
  SECTION("the default policy is clamp") {
    HybridLogicalClock clock(time.source(), kOffset);
    CHECK(clock.policy() == ClockSkewPolicy::clamp);
    CHECK(clock.observe(far).clamped);
    CHECK(clock.skew_events() == 1);
  }
}

TEST_CASE("HybridLogicalClock: now_after exceeds a far-future overwritten stamp",
          "[causal][hlc][skew]") {
  ManualTime time;
  const HlcStamp year_2099{4'070'908'800'000, 17};
  for (const auto policy : {ClockSkewPolicy::refuse, ClockSkewPolicy::clamp}) {
    HybridLogicalClock clock(time.source(), kOffset, policy);
    const HlcStamp stamp = clock.now_after(year_2099);
    CHECK(stamp > year_2099);
    CHECK(stamp == year_2099.successor());
    CHECK(clock.last().wall_ms <= time.ms + kOffset);
    CHECK(clock.skew_events() == 1);
  }

  SECTION("an overwritten stamp in the past gives the clock's own next stamp") {
    HybridLogicalClock clock(time.source(), kOffset);
    const HlcStamp stamp = clock.now_after(HlcStamp{time.ms - 100, 0});
    CHECK(stamp == HlcStamp{time.ms, 0});
    CHECK(clock.skew_events() == 0);
  }
}
