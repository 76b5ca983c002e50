#include <cstdint>
#include <initializer_list>
#include <stdexcept>
#include <vector>

#include <catch2/catch.hpp>

#include <crdt/causal/dot_ranges.hpp>
#include <crdt/causal/version_vector.hpp>

namespace {

using crdt::CausalOrder;
using crdt::CounterRange;
using crdt::Dot;
using crdt::DotRanges;
using crdt::ReplicaId;
using crdt::VersionVector;

const ReplicaId kA{1};
const ReplicaId kB{2};
const ReplicaId kC{3};

constexpr std::uint64_t kMax = UINT64_MAX;

DotRanges ranges_of(std::initializer_list<CounterRange> list) {
  DotRanges out;
  for (const auto& r : list) out.insert(r.lo, r.hi);
  return out;
}

crdt::DotRanges::Ranges as_vector(std::initializer_list<CounterRange> list) { return list; }

}  // namespace

TEST_CASE("DotRanges: inserting the counter that fills a gap joins its neighbours",
          "[causal][dot_ranges]") {
  DotRanges r;
  r.insert(1);
  r.insert(3);
  CHECK(r.ranges() == as_vector({{1, 1}, {3, 3}}));
  r.insert(2);
  CHECK(r.ranges() == as_vector({{1, 3}}));

  SECTION("a range bridging several intervals collapses them") {
    r.insert(6, 7);
    r.insert(10, 12);
    r.insert(20);
    CHECK(r.ranges().size() == 4);
    r.insert(4, 11);
    CHECK(r.ranges() == as_vector({{1, 12}, {20, 20}}));
  }
  SECTION("an adjacent range extends its neighbour, an inner range changes nothing") {
    r.insert(4, 5);
    CHECK(r.ranges() == as_vector({{1, 5}}));
    r.insert(2, 4);
    CHECK(r.ranges() == as_vector({{1, 5}}));
  }
  SECTION("insertion order does not change the representation") {
    DotRanges other;
    for (std::uint64_t c : {3u, 1u, 2u}) other.insert(c);
    CHECK(other == r);
  }
  CHECK(r.well_formed());
}

TEST_CASE("DotRanges: erasing inside an interval splits it", "[causal][dot_ranges]") {
  DotRanges r = ranges_of({{1, 10}});
  r.erase(5);
  CHECK(r.ranges() == as_vector({{1, 4}, {6, 10}}));
  CHECK_FALSE(r.contains(5));
  CHECK(r.contains(4));
  CHECK(r.contains(6));

  r.erase(1);
  r.erase(10);
  CHECK(r.ranges() == as_vector({{2, 4}, {6, 9}}));

  r.erase(7);
  r.erase(42);
  r.erase(0);
  CHECK(r.ranges() == as_vector({{2, 4}, {6, 6}, {8, 9}}));

  r.erase(6);
  CHECK(r.ranges() == as_vector({{2, 4}, {8, 9}}));
  CHECK(r.count() == 5);
  CHECK(r.well_formed());
}

TEST_CASE("DotRanges: merge is the union and keeps the representation compact",
          "[causal][dot_ranges]") {
  const DotRanges a = ranges_of({{1, 3}, {7, 9}, {20, 20}});
  const DotRanges b = ranges_of({{4, 5}, {8, 12}, {30, 31}});
  DotRanges ab = a;
  ab.merge(b);
  DotRanges ba = b;
  ba.merge(a);
  CHECK(ab == ba);
  CHECK(ab.ranges() == as_vector({{1, 5}, {7, 12}, {20, 20}, {30, 31}}));

  DotRanges self = a;
  self.merge(self);
  CHECK(self == a);

  DotRanges empty;
  empty.merge(a);
  CHECK(empty == a);
  DotRanges unchanged = a;
  unchanged.merge(DotRanges{});
  CHECK(unchanged == a);
}

TEST_CASE("DotRanges: subtract removes exactly the other set", "[causal][dot_ranges]") {
  DotRanges r = ranges_of({{1, 10}, {15, 20}});
  r.subtract(ranges_of({{3, 4}, {9, 16}, {20, 25}}));
  CHECK(r.ranges() == as_vector({{1, 2}, {5, 8}, {17, 19}}));
  CHECK(r.well_formed());

  SECTION("subtracting a set from itself empties it") {
    r.subtract(r);
    CHECK(r.empty());
  }
  SECTION("subtracting a disjoint set changes nothing") {
    const DotRanges before = r;
    r.subtract(ranges_of({{3, 4}, {30, 40}}));
    CHECK(r == before);
  }
}

TEST_CASE("DotRanges: subset_of is set inclusion", "[causal][dot_ranges]") {
  const DotRanges big = ranges_of({{1, 10}, {20, 30}});
  CHECK(ranges_of({{2, 5}, {20, 20}, {30, 30}}).subset_of(big));
  CHECK(big.subset_of(big));
  CHECK(DotRanges{}.subset_of(big));
  CHECK(DotRanges{}.subset_of(DotRanges{}));
  CHECK_FALSE(ranges_of({{10, 11}}).subset_of(big));
  CHECK_FALSE(ranges_of({{9, 20}}).subset_of(big));
  CHECK_FALSE(ranges_of({{31, 31}}).subset_of(big));
  CHECK_FALSE(big.subset_of(DotRanges{}));
}

TEST_CASE("DotRanges: contiguous prefix versus cloud, count and max", "[causal][dot_ranges]") {
  DotRanges r = ranges_of({{1, 4}, {6, 6}, {9, 10}});
  CHECK(r.contiguous() == 4);
  CHECK(r.max() == 10);
  CHECK(r.count() == 7);

  const DotRanges cloud_only = ranges_of({{2, 4}});
  CHECK(cloud_only.contiguous() == 0);
  CHECK(cloud_only.max() == 4);
  CHECK(cloud_only.count() == 3);

  CHECK(DotRanges{}.contiguous() == 0);
  CHECK(DotRanges{}.max() == 0);
  CHECK(DotRanges{}.count() == 0);
}

TEST_CASE("DotRanges: counters near UINT64_MAX", "[causal][dot_ranges][boundary]") {
  DotRanges r;
  r.insert(kMax);
  CHECK(r.contains(kMax));
  CHECK(r.max() == kMax);
  r.insert(kMax - 2);
  CHECK(r.ranges() == as_vector({{kMax - 2, kMax - 2}, {kMax, kMax}}));
  r.insert(kMax - 1);
  CHECK(r.ranges() == as_vector({{kMax - 2, kMax}}));
  CHECK(r.count() == 3);
  CHECK(r.well_formed());

  r.erase(kMax);
  CHECK(r.ranges() == as_vector({{kMax - 2, kMax - 1}}));
  r.insert(kMax - 5, kMax);
  CHECK(r.ranges() == as_vector({{kMax - 5, kMax}}));

  SECTION("the whole range counts UINT64_MAX counters") {
    DotRanges all;
    all.insert(1, kMax);
    CHECK(all.count() == kMax);
    CHECK(all.contiguous() == kMax);
    all.insert(17);
    CHECK(all.ranges() == as_vector({{1, kMax}}));
    all.subtract(kMax, kMax);
    CHECK(all.ranges() == as_vector({{1, kMax - 1}}));
    CHECK(all.well_formed());
  }
  SECTION("merging intervals that end at UINT64_MAX") {
    DotRanges a = ranges_of({{kMax - 10, kMax}});
    a.merge(ranges_of({{kMax - 20, kMax - 11}, {kMax, kMax}}));
    CHECK(a.ranges() == as_vector({{kMax - 20, kMax}}));
    CHECK(ranges_of({{kMax - 1, kMax}}).subset_of(a));
  }
}

TEST_CASE("VersionVector: add, contains, max, contiguous and remove", "[causal][version_vector]") {
  VersionVector v;
  CHECK(v.empty());
  CHECK(v.next_dot(kA) == Dot{kA, 1});

  v.add({kA, 1});
  v.add({kA, 2});
  v.add({kA, 5});
  v.add({kB, 0});
  CHECK(v.contains({kA, 2}));
  CHECK_FALSE(v.contains({kA, 3}));
  CHECK_FALSE(v.contains({kB, 1}));
  CHECK(v.find(kB) == nullptr);
  CHECK(v.max(kA) == 5);
  CHECK(v.contiguous(kA) == 2);
  CHECK(v.next_dot(kA) == Dot{kA, 6});
  CHECK(v.max(kB) == 0);
  CHECK(v.cloud_intervals() == 1);

  v.add_range(kA, 3, 4);
  CHECK(v.contiguous(kA) == 5);
  CHECK(v.cloud_intervals() == 0);

  v.add_range(kB, 4, 3);
  v.add_range(kB, 0, 3);
  CHECK(v.find(kB) == nullptr);

  v.remove({kA, 3});
  CHECK(v.contiguous(kA) == 2);
  CHECK(v.count() == 4);
  for (std::uint64_t c : {1u, 2u, 4u, 5u}) v.remove({kA, c});
  CHECK(v.empty());
  CHECK(v == VersionVector{});
}

TEST_CASE("VersionVector: merge is a join and subtract/difference remove exactly",
          "[causal][version_vector]") {
  VersionVector a;
  a.add_range(kA, 1, 5);
  a.add({kB, 3});
  VersionVector b;
  b.add_range(kA, 4, 8);
  b.add_range(kB, 1, 2);
  b.add({kC, 1});

  VersionVector ab = a;
  ab.merge(b);
  VersionVector ba = b;
  ba.merge(a);
  CHECK(ab == ba);
  CHECK(ab.contiguous(kA) == 8);
  CHECK(ab.contiguous(kB) == 3);
  CHECK(ab.count() == 12);
  VersionVector twice = ab;
  twice.merge(ab);
  twice.merge(twice);
  CHECK(twice == ab);

  const VersionVector d = ab.difference(a);
  CHECK(d.count() == 6);
  CHECK(d.contains({kA, 6}));
  CHECK_FALSE(d.contains({kA, 5}));
  CHECK(d.contains({kC, 1}));
  VersionVector rebuilt = d;
  rebuilt.merge(a);
  CHECK(rebuilt == ab);

  VersionVector s = ab;
  s.subtract(b);
  CHECK(s.max(kA) == 3);
  CHECK(s.contains({kB, 3}));
  CHECK(s.find(kC) == nullptr);

  SECTION("subtracting a context from itself empties it") {
    ab.subtract(ab);
    CHECK(ab.empty());
    CHECK(ab.well_formed());
  }
}

TEST_CASE("VersionVector: compare gives equal, before, after or concurrent",
          "[causal][version_vector]") {
  VersionVector a;
  a.add_range(kA, 1, 3);
  VersionVector b = a;
  CHECK(crdt::compare(a, b) == CausalOrder::equal);
  CHECK(crdt::compare(VersionVector{}, VersionVector{}) == CausalOrder::equal);

  b.add({kB, 1});
  CHECK(crdt::compare(a, b) == CausalOrder::before);
  CHECK(crdt::compare(b, a) == CausalOrder::after);
  CHECK(a.subset_of(b));
  CHECK_FALSE(b.subset_of(a));
  CHECK(crdt::compare(VersionVector{}, a) == CausalOrder::before);

  a.add({kA, 4});
  CHECK(crdt::compare(a, b) == CausalOrder::concurrent);
  CHECK(crdt::compare(b, a) == CausalOrder::concurrent);

  SECTION("a dot in the cloud counts like any other") {
    VersionVector gap;
    gap.add({kA, 10});
    VersionVector prefix;
    prefix.add_range(kA, 1, 9);
    CHECK(crdt::compare(gap, prefix) == CausalOrder::concurrent);
    prefix.add({kA, 10});
    CHECK(crdt::compare(gap, prefix) == CausalOrder::before);
  }
}

TEST_CASE("VersionVector: boundary counters and the last dot a replica can issue",
          "[causal][version_vector][boundary]") {
  VersionVector v;
  v.add({kA, kMax - 1});
  CHECK(v.next_dot(kA) == Dot{kA, kMax});
  v.add({kA, kMax});
  CHECK(v.max(kA) == kMax);
  CHECK_THROWS_AS(v.next_dot(kA), std::overflow_error);
  CHECK(v.next_dot(kB) == Dot{kB, 1});

  VersionVector full;
  full.add_range(kA, 1, kMax);
  full.add_range(kB, 1, kMax);
  CHECK(full.count() == kMax);
  CHECK(v.subset_of(full));
  CHECK(crdt::compare(v, full) == CausalOrder::before);
  CHECK(full.well_formed());
}

TEST_CASE("VersionVector: well_formed rejects the null replica", "[causal][version_vector]") {
  VersionVector v;
  v.add_range(kA, 1, 3);
  v.add({kB, 7});
  CHECK(v.well_formed());
  v.add({ReplicaId{}, 1});
  CHECK_FALSE(v.well_formed());
}
