#include <cstdint>

#include <catch2/catch.hpp>

#include <crdt/serialization/bounded_counter.hpp>
#include <crdt/serialization/codec.hpp>

#include "serialization_test_support.hpp"

using crdt::BasicBoundedCounter;
using crdt::BoundedCounter;
using crdt::ReplicaId;
using crdt::serialization::DecodeError;
using crdt::serialization::encode;
using crdt::serialization::TypeTag;
using namespace crdt::serialization::testing;

namespace {

const ReplicaId kA(1);
const ReplicaId kB(2);

}  // namespace

TEST_CASE("BoundedCounter: exact bytes and round trips", "[serialization][bounded_counter]") {
  CHECK(TypeTag<BoundedCounter>::name() == "bcounter<0>");
  CHECK(TypeTag<BasicBoundedCounter<-100>>::name() == "bcounter<-100>");

  BoundedCounter counter;
  counter.increment(kA, 10);
  REQUIRE(counter.transfer(kA, kB, 4).has_value());
  CHECK(body_of(counter) == Bytes{0x01, 0x01, 0, 0, 0, 0, 0, 0, 0,        // replica 1
                                  0x0a, 0x00,                             // inc 10, dec 0
                                  0x01, 0x02, 0, 0, 0, 0, 0, 0, 0, 0x04,  // sent 4 to replica 2
                                  0x02});                                 // seq 2

  check_round_trip(BoundedCounter{});
  BoundedCounter other;
  other.merge(counter);
  REQUIRE(other.decrement(kB, 3).has_value());
  check_round_trip(other);
  check_round_trip(other.delta_since(counter.context()));
  check_cut_and_extended(other);

  BasicBoundedCounter<-100> below;
  REQUIRE(below.decrement(kA, 0).has_value());
  below.increment(kB, 5);
  check_round_trip(below);
}

TEST_CASE("BoundedCounter: the floor is part of the type", "[serialization][bounded_counter]") {
  BoundedCounter counter;
  counter.increment(kA, 1);
  CHECK(error_of<BasicBoundedCounter<-100>>(encode(counter)) == DecodeError::wrong_type);
}

TEST_CASE("BoundedCounter: ill-formed states are refused", "[serialization][bounded_counter]") {
  auto frame = [](const Bytes& transfers) {
    Bytes body{0x01, 0x01, 0, 0, 0, 0, 0, 0, 0, 0x0a, 0x00};
    body.insert(body.end(), transfers.begin(), transfers.end());
    body.push_back(0x02);
    return frame_of<BoundedCounter>(body);
  };
  CHECK(error_of<BoundedCounter>(frame({0x01, 0x01, 0, 0, 0, 0, 0, 0, 0, 0x04})) ==
        DecodeError::malformed);  // a transfer to itself
  CHECK(error_of<BoundedCounter>(frame({0x01, 0x02, 0, 0, 0, 0, 0, 0, 0, 0x00})) ==
        DecodeError::malformed);  // a transfer of nothing
  CHECK(error_of<BoundedCounter>(frame({0x02, 0x03, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0,
                                        0, 0, 0x01})) == DecodeError::malformed);  // unordered
  REQUIRE(
      crdt::serialization::decode<BoundedCounter>(frame({0x01, 0x02, 0, 0, 0, 0, 0, 0, 0, 0x04}))
          .has_value());
  CHECK(error_of<BoundedCounter>(
            frame_of<BoundedCounter>({0x01, 0x01, 0, 0, 0, 0, 0, 0, 0, 0x0a, 0x00, 0x00, 0x00})) ==
        DecodeError::malformed);  // seq 0
}
