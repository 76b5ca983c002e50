#include <cstdint>

#include <catch2/catch.hpp>

#include <crdt/serialization/causal_counter.hpp>
#include <crdt/serialization/codec.hpp>

#include "serialization_test_support.hpp"

using crdt::CausalCounter;
using crdt::ReplicaId;
using crdt::serialization::DecodeError;
using crdt::serialization::TypeTag;
using namespace crdt::serialization::testing;

namespace {

const ReplicaId kA(1);
const ReplicaId kB(2);

}  // namespace

TEST_CASE("CausalCounter: round trips", "[serialization][causal_counter]") {
  CHECK(TypeTag<CausalCounter>::name() == "ccounter");
  check_round_trip(CausalCounter{});

  CausalCounter a;
  CausalCounter b;
  a.increment(kA, 5);
  a.decrement(kA, 2);
  b.increment(kB, INT64_MAX);
  b.merge(a);
  check_round_trip(a);
  check_round_trip(b);
  check_cut_and_extended(b);
  a.reset(kA);
  check_round_trip(a);
  CausalCounter low;
  low.increment(kA, -1);
  low.decrement(kA, INT64_MIN);  // 2^63 has no int64 form: two events
  check_round_trip(low);

  CausalCounter::Store store;
  crdt::VersionVector context;
  for (std::uint64_t i = 1; i <= 10000; ++i) {
    const crdt::Dot dot{ReplicaId(1 + i % 5), 1 + i / 5};
    context.add(dot);
    store.emplace(dot, static_cast<std::int64_t>(i % 11) - 5);
  }
  check_round_trip(CausalCounter(std::move(store), std::move(context)));
}

TEST_CASE("CausalCounter: exact bytes of one increment", "[serialization][causal_counter]") {
  CausalCounter counter;
  counter.increment(kA, 3);
  CHECK(body_of(counter) == Bytes{0x01, 0x01, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x01, 0x01,  // context
                                  0x01,  // complete context: the same
                                  0x01, 0x01, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x06});  // (1,1) -> 3
}

TEST_CASE("CausalCounter: an event outside the context is refused",
          "[serialization][causal_counter]") {
  CHECK(error_of<CausalCounter>(frame_of<CausalCounter>(
            {0x01, 0x01, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x01, 0x01,  // context {1: [1, 1]}
             0x01,                                               // complete: the same
             0x01, 0x02, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x06})) ==   // (2,1) -> 3
        DecodeError::malformed);
}
