#include <cstdint>

#include <catch2/catch.hpp>

#include <crdt/serialization/codec.hpp>
#include <crdt/serialization/pn_counter.hpp>

#include "serialization_test_support.hpp"

using crdt::PNCounter;
using crdt::ReplicaId;
using crdt::serialization::DecodeError;
using crdt::serialization::encode;
using crdt::serialization::TypeTag;
using namespace crdt::serialization::testing;

namespace {

const ReplicaId kA(1);
const ReplicaId kB(2);

}  // namespace

TEST_CASE("PNCounter: exact bytes and round trips", "[serialization][pn_counter]") {
  CHECK(TypeTag<PNCounter>::name() == "pncounter");
  PNCounter counter;
  counter.increment(kA, 200);
  counter.decrement(kA, 1);
  CHECK(encode(counter) == Bytes{0x02, 0x09, 'p',  'n', 'c', 'o', 'u', 'n', 't', 'e',
                                 'r',  0x01, 0x01, 0,   0,   0,   0,   0,   0,   0,  // replica 1
                                 0xc8, 0x01, 0x01, 0x02});  // inc 200, dec 1, seq 2

  check_round_trip(PNCounter{});
  PNCounter other;
  other.increment(kB, INT64_MAX);
  other.merge(counter);
  check_round_trip(other);
  check_round_trip(other.delta_since(counter.context()));
  check_cut_and_extended(other);
  PNCounter many;
  for (std::uint64_t r = 1; r <= 1000; ++r) many.increment(ReplicaId(r * 0x9e3779b97f4a7c15), r);
  check_round_trip(many);
}

TEST_CASE("PNCounter: ill-formed states are refused", "[serialization][pn_counter]") {
  SECTION("an entry without operations") {
    CHECK(error_of<PNCounter>(frame_of<PNCounter>(
              {0x01, 0x01, 0, 0, 0, 0, 0, 0, 0, 0x05, 0x00, 0x00})) == DecodeError::malformed);
  }
  SECTION("the zero replica") {
    CHECK(error_of<PNCounter>(frame_of<PNCounter>(
              {0x01, 0x00, 0, 0, 0, 0, 0, 0, 0, 0x05, 0x00, 0x01})) == DecodeError::malformed);
  }
  SECTION("replicas out of order") {
    CHECK(error_of<PNCounter>(frame_of<PNCounter>(
              {0x02, 0x02, 0, 0, 0, 0, 0, 0, 0,    0x01, 0x00, 0x01,
               0x01, 0,    0, 0, 0, 0, 0, 0, 0x01, 0x00, 0x01})) == DecodeError::malformed);
  }
}
