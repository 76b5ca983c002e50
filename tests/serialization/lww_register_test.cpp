#include <cstdint>
#include <string>

#include <catch2/catch.hpp>

#include <crdt/serialization/codec.hpp>
#include <crdt/serialization/lww_register.hpp>

#include "serialization_test_support.hpp"

using crdt::HybridLogicalClock;
using crdt::LWWRegister;
using crdt::ReplicaId;
using crdt::serialization::DecodeError;
using crdt::serialization::TypeTag;
using namespace crdt::serialization::testing;

namespace {

const ReplicaId kA(1);
const ReplicaId kB(2);

}  // namespace

TEST_CASE("LWWRegister: round trips, including discarded writes", "[serialization][lww_register]") {
  CHECK(TypeTag<LWWRegister<std::string>>::name() == "lww<string>");
  check_round_trip(LWWRegister<std::string>{});

  HybridLogicalClock clock_a([] { return std::uint64_t{1000}; });
  HybridLogicalClock clock_b([] { return std::uint64_t{1000}; });
  LWWRegister<std::string> a;
  LWWRegister<std::string> b;
  a.set(kA, clock_a, "first");
  b.set(kB, clock_b, "concurrent");
  a.merge(b);
  REQUIRE(a.discarded() == 1);
  check_round_trip(a);
  check_cut_and_extended(a);
  a.set(kA, clock_a, std::string(3000, 'q'));
  check_round_trip(a);
  check_round_trip(a.delta_since(b.context()));

  LWWRegister<std::int64_t> number;
  HybridLogicalClock clock([] { return UINT64_MAX - 5; });
  number.set(kB, clock, INT64_MIN);
  check_round_trip(number);
}

TEST_CASE("LWWRegister: exact bytes of one write", "[serialization][lww_register]") {
  HybridLogicalClock clock([] { return std::uint64_t{128}; });
  LWWRegister<std::int64_t> reg;
  reg.set(kA, clock, 1);
  CHECK(body_of(reg) == Bytes{0x01, 0x01, 0,    0, 0, 0, 0, 0, 0,    0x01, 0x01, 0x01,  // context
                              0x01, 0x02,                                               // winner: 1
                              0x80, 0x01, 0x00,                       // stamp 128.0
                              0x01, 0,    0,    0, 0, 0, 0, 0, 0x01,  // dot (1, 1)
                              0x00});                                 // seen: {}
}

TEST_CASE("LWWRegister: ill-formed states are refused", "[serialization][lww_register]") {
  using Reg = LWWRegister<std::int64_t>;
  const Bytes context{0x01, 0x01, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x01, 0x01};  // {1: [1, 1]}
  auto frame = [&context](const Bytes& winner) {
    Bytes body = context;
    body.insert(body.end(), winner.begin(), winner.end());
    return frame_of<Reg>(body);
  };
  SECTION("a winner outside the context") {
    CHECK(error_of<Reg>(frame({0x01, 0x02, 0x05, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x00})) ==
          DecodeError::malformed);
  }
  SECTION("a winner that saw its own write") {
    CHECK(error_of<Reg>(frame({0x01, 0x02, 0x05, 0x00, 0x01, 0, 0, 0, 0, 0,    0,    0,   0x01,
                               0x01, 0x01, 0,    0,    0,    0, 0, 0, 0, 0x01, 0x01, 0x01})) ==
          DecodeError::malformed);
  }
  SECTION("a presence flag that is not a bool") {
    CHECK(error_of<Reg>(frame({0x02})) == DecodeError::malformed);
  }
  SECTION("no winner is fine") {
    REQUIRE(crdt::serialization::decode<Reg>(frame({0x00})).has_value());
  }
}
