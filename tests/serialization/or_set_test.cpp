#include <cstdint>
#include <string>

#include <catch2/catch.hpp>

#include <crdt/serialization/codec.hpp>
#include <crdt/serialization/or_set.hpp>

#include "serialization_test_support.hpp"

using crdt::ORSet;
using crdt::ReplicaId;
using crdt::serialization::decode;
using crdt::serialization::DecodeError;
using crdt::serialization::encode;
using namespace crdt::serialization::testing;

namespace {

const ReplicaId kA(1);
const ReplicaId kB(2);
const Bytes kReplicaA{0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
const Bytes kReplicaB{0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

}  // namespace

TEST_CASE("ORSet: the encoding is fixed byte for byte", "[serialization][or_set]") {
  ORSet<std::string> set;
  set.add(kA, "a");
  set.add(kB, "b");
  const Bytes expected = concat({
      {0x02, 0x0d, 'o', 'r', 's', 'e', 't', '<', 's', 't', 'r', 'i', 'n', 'g', '>'},
      {0x02},  // context: two replicas
      kReplicaA,
      {0x01, 0x01, 0x01},  // [1, 1]
      kReplicaB,
      {0x01, 0x01, 0x01},  // [1, 1]
      {0x01},              // complete context: the same
      {0x02},              // store: two elements
      {0x01, 'a', 0x01},   // "a", one dot
      kReplicaA,
      {0x01},             // (1, 1)
      {0x01, 'b', 0x01},  // "b", one dot
      kReplicaB,
      {0x01},  // (2, 1)
  });
  CHECK(encode(set) == expected);

  ORSet<std::int64_t> numbers;
  numbers.add(kA, -2);
  numbers.remove(kA, -2);
  // Context [1, 2] of replica 1, empty store: the removal left no tombstone.
  CHECK(encode(numbers) == concat({{0x02, 0x0a, 'o', 'r', 's', 'e', 't', '<', 'i', '6', '4', '>'},
                                   {0x01},
                                   kReplicaA,
                                   {0x01, 0x01, 0x02, 0x01, 0x00}}));
}

TEST_CASE("ORSet: round trips", "[serialization][or_set]") {
  check_round_trip(ORSet<std::string>{});
  check_round_trip(ORSet<std::uint64_t>{});

  ORSet<std::string> a;
  ORSet<std::string> b;
  a.add(kA, "x");
  b.merge(a);
  b.add(kB, "x");
  a.remove(kA, "x");
  a.add(kA, std::string("\0binary\xff", 8));
  b.merge(a);
  check_round_trip(a);
  check_round_trip(b);
  check_round_trip(b.delta_since(a.context()));
  check_cut_and_extended(b);

  // Built from its parts: 20,000 adds through the mutators would cost a merge each.
  ORSet<std::uint64_t>::Store store;
  crdt::VersionVector context;
  for (std::uint64_t i = 1; i <= 20000; ++i) {
    const crdt::Dot dot{ReplicaId(1 + i % 7), 1 + i / 7};
    context.add(dot);
    if (i % 3 != 0) store[i * 0x9e3779b9].push_back(dot);
  }
  const ORSet<std::uint64_t> large(std::move(store), std::move(context));
  REQUIRE(large.well_formed());
  check_round_trip(large);
}

TEST_CASE("ORSet: ill-formed states are refused", "[serialization][or_set]") {
  using Set = ORSet<std::string>;
  // Context {A: [1, 3]}, complete context the same.
  const Bytes context_a1_3 = concat({{0x01}, kReplicaA, {0x01, 0x01, 0x03}, {0x01}});
  auto frame = [](const Bytes& context, const Bytes& store) {
    return frame_of<Set>(concat({context, store}));
  };
  SECTION("a store dot outside the context") {
    CHECK(
        error_of<Set>(frame(context_a1_3, concat({{0x01, 0x01, 'a', 0x01}, kReplicaA, {0x04}}))) ==
        DecodeError::malformed);
  }
  SECTION("a store dot of a replica the context lacks") {
    CHECK(
        error_of<Set>(frame(context_a1_3, concat({{0x01, 0x01, 'a', 0x01}, kReplicaB, {0x01}}))) ==
        DecodeError::malformed);
  }
  SECTION("dots of one element unsorted") {
    CHECK(error_of<Set>(
              frame(context_a1_3,
                    concat({{0x01, 0x01, 'a', 0x02}, kReplicaA, {0x02}, kReplicaA, {0x01}}))) ==
          DecodeError::malformed);
  }
  SECTION("a duplicate dot") {
    CHECK(error_of<Set>(
              frame(context_a1_3,
                    concat({{0x01, 0x01, 'a', 0x02}, kReplicaA, {0x01}, kReplicaA, {0x01}}))) ==
          DecodeError::malformed);
  }
  SECTION("an element without dots") {
    CHECK(error_of<Set>(frame(context_a1_3, {0x01, 0x01, 'a', 0x00})) == DecodeError::malformed);
  }
  SECTION("elements out of order") {
    CHECK(error_of<Set>(frame(context_a1_3, concat({{0x02, 0x01, 'b', 0x01},
                                                    kReplicaA,
                                                    {0x01},
                                                    {0x01, 'a', 0x01},
                                                    kReplicaA,
                                                    {0x02}}))) == DecodeError::malformed);
  }
  SECTION("the same state, well-formed, is accepted") {
    const auto decoded = decode<Set>(frame(
        context_a1_3,
        concat(
            {{0x02, 0x01, 'a', 0x01}, kReplicaA, {0x01}, {0x01, 'b', 0x01}, kReplicaA, {0x02}})));
    REQUIRE(decoded.has_value());
    CHECK(decoded.value().value() == std::vector<std::string>{"a", "b"});
  }
}

TEST_CASE("ORSet: a huge declared count in a tiny input is refused", "[serialization][or_set]") {
  using Set = ORSet<std::string>;
  const Bytes huge{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
  CHECK(error_of<Set>(frame_of<Set>(huge)) == DecodeError::truncated);
  // Empty context, complete context the same, then a huge store count.
  CHECK(error_of<Set>(frame_of<Set>(concat({{0x00, 0x01}, huge}))) == DecodeError::truncated);
  // ...a huge element length.
  CHECK(error_of<Set>(frame_of<Set>(concat({{0x00, 0x01, 0x01}, huge}))) == DecodeError::truncated);
  // ...a huge dot count.
  CHECK(error_of<Set>(frame_of<Set>(concat({{0x00, 0x01, 0x01, 0x00}, huge}))) ==
        DecodeError::truncated);
  // A complete context that differs, with a huge count.
  CHECK(error_of<Set>(frame_of<Set>(concat({{0x00, 0x00}, huge}))) == DecodeError::truncated);
}
