#include <cstdint>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <crdt/serialization/codec.hpp>
#include <crdt/serialization/mv_register.hpp>

#include "serialization_test_support.hpp"

using crdt::MVRegister;
using crdt::ReplicaId;
using crdt::serialization::DecodeError;
using crdt::serialization::TypeTag;
using namespace crdt::serialization::testing;

namespace {

const ReplicaId kA(1);
const ReplicaId kB(2);

}  // namespace

TEST_CASE("MVRegister: round trips with siblings", "[serialization][mv_register]") {
  CHECK(TypeTag<MVRegister<std::string>>::name() == "mvreg<string>");
  check_round_trip(MVRegister<std::string>{});

  MVRegister<std::string> a;
  MVRegister<std::string> b;
  a.write(kA, "from a");
  b.write(kB, "from b");
  a.merge(b);
  REQUIRE(a.value().size() == 2);
  check_round_trip(a);
  check_cut_and_extended(a);

  b.merge(a);
  b.write(kB, std::string(5000, 'z'));
  check_round_trip(b);
  check_round_trip(b.delta_since(a.context()));
  a.clear(kA);
  check_round_trip(a);

  MVRegister<std::int64_t> numbers;
  numbers.write(kA, INT64_MIN);
  check_round_trip(numbers);
}

TEST_CASE("MVRegister: exact bytes of one write", "[serialization][mv_register]") {
  MVRegister<std::int64_t> reg;
  reg.write(kA, -1);
  CHECK(body_of(reg) == Bytes{0x01, 0x01, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x01, 0x01,  // context
                              0x01,  // complete context: the same
                              0x01, 0x01, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x01});  // (1,1) -> -1
}

TEST_CASE("MVRegister: ill-formed states are refused", "[serialization][mv_register]") {
  using Reg = MVRegister<std::int64_t>;
  // Context {1: [1, 1]}; a sibling at dot (1, 2) lies outside it.
  CHECK(error_of<Reg>(frame_of<Reg>({0x01, 0x01, 0,    0, 0, 0, 0, 0, 0, 0x01, 0x01, 0x01,
                                     0x01, 0x01, 0x01, 0, 0, 0, 0, 0, 0, 0,    0x02, 0x02})) ==
        DecodeError::malformed);
  // Siblings out of dot order.
  CHECK(error_of<Reg>(frame_of<Reg>({0x01, 0x01, 0,    0, 0, 0, 0, 0, 0,    0x01, 0x01, 0x02,
                                     0x01, 0x02, 0x01, 0, 0, 0, 0, 0, 0,    0,    0x02, 0x02,
                                     0x01, 0,    0,    0, 0, 0, 0, 0, 0x01, 0x02})) ==
        DecodeError::malformed);
}
