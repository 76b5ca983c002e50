#include <catch2/catch.hpp>

#include <crdt/or_set.hpp>
#include <string>

TEST_CASE("ORSet: smoke", "[or_set]") {
  crdt::ORSet<std::string> a;
  a.add(crdt::ReplicaId(1), "x");
  CHECK(a.contains("x"));
}
