#include <cstdint>
#include <string>

#include <catch2/catch.hpp>

#include <crdt/serialization/causal.hpp>
#include <crdt/serialization/codec.hpp>

#include "serialization_test_support.hpp"

using crdt::Dot;
using crdt::DotRanges;
using crdt::HlcStamp;
using crdt::ReplicaId;
using crdt::VersionVector;
using crdt::serialization::decode;
using crdt::serialization::DecodeError;
using crdt::serialization::encode;
using namespace crdt::serialization::testing;

namespace {

const ReplicaId kA(1);
const ReplicaId kB(2);

}  // namespace

TEST_CASE("VersionVector: the encoding is fixed byte for byte", "[serialization][causal]") {
  VersionVector context;
  context.add_range(kA, 1, 3);
  context.add(Dot{kB, 5});
  context.add(Dot{kB, 300});
  const Bytes expected{
      0x02,                                            // format version
      0x02, 'v',  'v',                                 // type tag
      0x02,                                            // two replicas
      0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // replica 1, fixed 8 bytes
      0x01, 0x01, 0x03,                                // one range: [1, 3]
      0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // replica 2
      0x02, 0x05, 0x05, 0xac, 0x02, 0xac, 0x02,        // [5, 5], [300, 300]
  };
  CHECK(encode(context) == expected);
  CHECK(encode(VersionVector{}) == Bytes{0x02, 0x02, 'v', 'v', 0x00});
}

TEST_CASE("Causal metadata: round trips", "[serialization][causal]") {
  check_round_trip(ReplicaId());
  check_round_trip(ReplicaId(UINT64_MAX));
  check_round_trip(ReplicaId::random());
  check_round_trip(Dot{ReplicaId(0x0123456789abcdef), 42});
  check_round_trip(HlcStamp{1700000000000, UINT32_MAX});
  check_round_trip(VersionVector{});
  DotRanges ranges;
  ranges.insert(1, 10);
  ranges.insert(12);
  ranges.insert(UINT64_MAX - 1, UINT64_MAX);
  check_round_trip(ranges);
  check_round_trip(DotRanges{});

  VersionVector large;
  for (std::uint64_t r = 1; r <= 200; ++r) {
    for (std::uint64_t c = 1; c <= 50; c += 2) large.add(Dot{ReplicaId(r * 0x9e3779b97f4a7c15), c});
  }
  check_round_trip(large);
  check_cut_and_extended(large);
}

TEST_CASE("Causal metadata: ReplicaId is fixed width, little-endian", "[serialization][causal]") {
  CHECK(body_of(ReplicaId(0x0102030405060708)) ==
        Bytes{0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01});
  CHECK(body_of(Dot{ReplicaId(1), 128}) ==
        Bytes{0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0x01});
  CHECK(body_of(HlcStamp{128, 1}) == Bytes{0x80, 0x01, 0x01});
}

TEST_CASE("DotRanges: ill-formed ranges are refused", "[serialization][causal]") {
  SECTION("unsorted") {
    CHECK(error_of<DotRanges>(frame_of<DotRanges>({0x02, 0x05, 0x06, 0x01, 0x02})) ==
          DecodeError::malformed);
  }
  SECTION("overlapping") {
    CHECK(error_of<DotRanges>(frame_of<DotRanges>({0x02, 0x01, 0x05, 0x03, 0x08})) ==
          DecodeError::malformed);
  }
  SECTION("adjacent, which has a shorter form") {
    CHECK(error_of<DotRanges>(frame_of<DotRanges>({0x02, 0x01, 0x02, 0x03, 0x04})) ==
          DecodeError::malformed);
  }
  SECTION("counter zero") {
    CHECK(error_of<DotRanges>(frame_of<DotRanges>({0x01, 0x00, 0x02})) == DecodeError::malformed);
  }
  SECTION("lo above hi") {
    CHECK(error_of<DotRanges>(frame_of<DotRanges>({0x01, 0x03, 0x02})) == DecodeError::malformed);
  }
  SECTION("the same bytes sorted are accepted") {
    const auto decoded = decode<DotRanges>(frame_of<DotRanges>({0x02, 0x01, 0x02, 0x05, 0x06}));
    REQUIRE(decoded.has_value());
    CHECK(decoded.value().count() == 4);
  }
}

TEST_CASE("VersionVector: ill-formed contexts are refused", "[serialization][causal]") {
  const Bytes replica1{0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  const Bytes replica0{0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  auto entry = [](const Bytes& replica, const Bytes& ranges) {
    Bytes out = replica;
    out.insert(out.end(), ranges.begin(), ranges.end());
    return out;
  };
  auto vv = [](std::uint8_t count, const Bytes& entries) {
    Bytes body{count};
    body.insert(body.end(), entries.begin(), entries.end());
    return frame_of<VersionVector>(body);
  };
  SECTION("an entry without dots") {
    CHECK(error_of<VersionVector>(vv(1, entry(replica1, {0x00}))) == DecodeError::malformed);
  }
  SECTION("the zero replica") {
    CHECK(error_of<VersionVector>(vv(1, entry(replica0, {0x01, 0x01, 0x01}))) ==
          DecodeError::malformed);
  }
  SECTION("replicas out of order") {
    Bytes entries = entry(replica1, {0x01, 0x01, 0x01});
    const Bytes again = entries;
    entries.insert(entries.end(), again.begin(), again.end());
    CHECK(error_of<VersionVector>(vv(2, entries)) == DecodeError::malformed);
  }
  SECTION("unsorted ranges inside an entry") {
    CHECK(error_of<VersionVector>(vv(1, entry(replica1, {0x02, 0x05, 0x05, 0x01, 0x01}))) ==
          DecodeError::malformed);
  }
  SECTION("a well-formed one is accepted") {
    REQUIRE(decode<VersionVector>(vv(1, entry(replica1, {0x01, 0x01, 0x01}))).has_value());
  }
}
