#include "protocol_version.hpp"

#include <catch2/catch.hpp>

using crdt::sync::negotiate;
using crdt::sync::VersionRange;

TEST_CASE("sync: version negotiation picks the highest common version", "[sync][version]") {
  CHECK(negotiate({1, 3}, {2, 5}) == 3u);
  CHECK(negotiate({2, 5}, {1, 3}) == 3u);
  CHECK(negotiate({1, 1}, {1, 1}) == 1u);
  CHECK(negotiate(crdt::sync::supported_versions(), crdt::sync::supported_versions()) ==
        crdt::sync::supported_versions().newest);
}

TEST_CASE("sync: version negotiation refuses only disjoint or invalid ranges", "[sync][version]") {
  CHECK_FALSE(negotiate({1, 2}, {3, 4}).has_value());
  CHECK_FALSE(negotiate({3, 4}, {1, 2}).has_value());
  CHECK_FALSE(negotiate({5, 1}, {1, 5}).has_value());
}
