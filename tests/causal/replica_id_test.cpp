#include <cstdint>
#include <functional>
#include <set>

#include <catch2/catch.hpp>

#include <crdt/causal/replica_id.hpp>

using crdt::ReplicaId;

TEST_CASE("ReplicaId: random ids are valid and distinct", "[causal][replica_id]") {
  std::set<ReplicaId> seen;
  for (int i = 0; i < 1000; ++i) {
    const ReplicaId id = ReplicaId::random();
    CHECK(id.valid());
    CHECK(id.value() != 0);
    seen.insert(id);
  }
  CHECK(seen.size() == 1000);
}

TEST_CASE("ReplicaId: the default id is the null replica", "[causal][replica_id]") {
  CHECK_FALSE(ReplicaId{}.valid());
  CHECK(ReplicaId{} == ReplicaId{0});
  CHECK(ReplicaId{1}.valid());
  CHECK(ReplicaId{1} < ReplicaId{2});
  CHECK(std::hash<ReplicaId>{}(ReplicaId{42}) == std::hash<std::uint64_t>{}(42));
}

TEST_CASE("ReplicaId: to_string is sixteen lowercase hex digits", "[causal][replica_id]") {
  CHECK(ReplicaId{}.to_string() == "0000000000000000");
  CHECK(ReplicaId{1}.to_string() == "0000000000000001");
  CHECK(ReplicaId{0xABCDEF0123456789}.to_string() == "abcdef0123456789");
  CHECK(ReplicaId{UINT64_MAX}.to_string() == "ffffffffffffffff");
  CHECK(ReplicaId{0x10}.to_string() == "0000000000000010");
}
