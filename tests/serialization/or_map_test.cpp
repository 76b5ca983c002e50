#include <cstdint>
#include <string>

#include <catch2/catch.hpp>

#include <crdt/serialization/causal_counter.hpp>
#include <crdt/serialization/codec.hpp>
#include <crdt/serialization/mv_register.hpp>
#include <crdt/serialization/or_map.hpp>
#include <crdt/serialization/or_set.hpp>

#include "serialization_test_support.hpp"

using crdt::CausalCounter;
using crdt::MVRegister;
using crdt::ORMap;
using crdt::ORSet;
using crdt::ReplicaId;
using crdt::serialization::DecodeError;
using crdt::serialization::TypeTag;
using namespace crdt::serialization::testing;

namespace {

const ReplicaId kA(1);
const ReplicaId kB(2);

using Cart = ORMap<std::string, CausalCounter>;

}  // namespace

TEST_CASE("ORMap: type tags spell the nesting", "[serialization][or_map]") {
  CHECK(TypeTag<Cart>::name() == "ormap<string,ccounter>");
  CHECK(TypeTag<ORMap<std::uint64_t, ORMap<std::string, MVRegister<std::int64_t>>>>::name() ==
        "ormap<u64,ormap<string,mvreg<i64>>>");
}

TEST_CASE("ORMap: a cart round-trips", "[serialization][or_map]") {
  check_round_trip(Cart{});
  Cart a;
  Cart b;
  a.update(kA, "apple", [](CausalCounter& c) { return c.increment(kA, 2); });
  b.merge(a);
  b.remove(kB, "apple");
  b.update(kB, "apple", [](CausalCounter& c) { return c.increment(kB, 3); });
  a.update(kA, "pear", [](CausalCounter& c) { return c.increment(kA, 1); });
  a.merge(b);
  check_round_trip(a);
  check_round_trip(b);
  check_round_trip(a.delta_since(b.context()));
  check_cut_and_extended(a);
}

TEST_CASE("ORMap: nested maps round-trip", "[serialization][or_map]") {
  using Doc = ORMap<std::uint64_t, ORMap<std::string, MVRegister<std::string>>>;
  using Inner = ORMap<std::string, MVRegister<std::string>>;
  Doc doc;
  for (std::uint64_t row = 0; row < 50; ++row) {
    doc.update(kA, row, [row](Inner& inner) {
      return inner.update(kA, "name", [row](MVRegister<std::string>& r) {
        return r.write(kA, "row " + std::to_string(row));
      });
    });
  }
  doc.remove(kB, 7);
  check_round_trip(doc);

  ORMap<std::string, ORSet<std::string>> tags;
  tags.update(kA, "post", [](ORSet<std::string>& s) { return s.add(kA, "news"); });
  tags.update(kB, "post", [](ORSet<std::string>& s) { return s.add(kB, "sport"); });
  check_round_trip(tags);
}

TEST_CASE("ORMap: ill-formed states are refused", "[serialization][or_map]") {
  // Context {1: [1, 1]}, complete context the same.
  const Bytes context{0x01, 0x01, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x01, 0x01, 0x01};
  auto frame = [&context](const Bytes& store) {
    Bytes body = context;
    body.insert(body.end(), store.begin(), store.end());
    return frame_of<Cart>(body);
  };
  SECTION("a key whose value store is empty") {
    CHECK(error_of<Cart>(frame({0x01, 0x01, 'k', 0x00})) == DecodeError::malformed);
  }
  SECTION("a nested dot outside the shared context") {
    CHECK(error_of<Cart>(frame({0x01, 0x01, 'k', 0x01, 0x01, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x02})) ==
          DecodeError::malformed);
  }
  SECTION("the well-formed one is accepted") {
    const auto decoded = crdt::serialization::decode<Cart>(
        frame({0x01, 0x01, 'k', 0x01, 0x01, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x02}));
    REQUIRE(decoded.has_value());
    CHECK(decoded.value().value().at("k") == 1);
  }
}
