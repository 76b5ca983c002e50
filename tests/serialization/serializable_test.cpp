#include <cstdint>
#include <string>

#include <catch2/catch.hpp>

// all.hpp holds a static_assert that every type of the library is Serializable; including it here
// makes the check part of the test build.
#include <crdt/serialization/all.hpp>

using crdt::serialization::TypeTag;

TEST_CASE("Serializable: every type has a stable type tag", "[serialization]") {
  CHECK(TypeTag<crdt::ReplicaId>::name() == "replica");
  CHECK(TypeTag<crdt::Dot>::name() == "dot");
  CHECK(TypeTag<crdt::HlcStamp>::name() == "hlc");
  CHECK(TypeTag<crdt::DotRanges>::name() == "dotranges");
  CHECK(TypeTag<crdt::VersionVector>::name() == "vv");
  CHECK(TypeTag<crdt::ORSet<std::string>>::name() == "orset<string>");
  CHECK(TypeTag<crdt::ORSet<std::uint64_t>>::name() == "orset<u64>");
  CHECK(TypeTag<crdt::MVRegister<std::int64_t>>::name() == "mvreg<i64>");
  CHECK(TypeTag<crdt::CausalCounter>::name() == "ccounter");
  CHECK(TypeTag<crdt::ORMap<std::string, crdt::CausalCounter>>::name() == "ormap<string,ccounter>");
  CHECK(TypeTag<crdt::PNCounter>::name() == "pncounter");
  CHECK(TypeTag<crdt::LWWRegister<std::string>>::name() == "lww<string>");
  CHECK(TypeTag<crdt::BoundedCounter>::name() == "bcounter<0>");
}
