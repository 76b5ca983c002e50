#include <catch2/catch.hpp>

#include "cli_test_support.hpp"

namespace {

using crdt::cli::test::Cli;
using nlohmann::json;

TEST_CASE("crdt cart: add, dec and rm items", "[cli][cart]") {
  Cli crdt;
  auto run = crdt("cart add", {"cart:alice", "apple", "3"});
  REQUIRE(run.exit_code == 0);
  CHECK(run.parsed() ==
        json{{"doc", "cart:alice"}, {"type", "ormap<string,ccounter>"}, {"value", {{"apple", 3}}}});
  CHECK(crdt("cart add", {"cart:alice", "pear"}).parsed().at("value") ==
        json{{"apple", 3}, {"pear", 1}});
  CHECK(crdt("cart dec", {"cart:alice", "apple"}).parsed().at("value") ==
        json{{"apple", 2}, {"pear", 1}});
  CHECK(crdt("cart dec", {"cart:alice", "pear", "1"}).parsed().at("value") ==
        json{{"apple", 2}, {"pear", 0}});
  CHECK(crdt("cart rm", {"cart:alice", "pear"}).parsed().at("value") == json{{"apple", 2}});
  CHECK(crdt("get", {"cart:alice"}).parsed().at("value") == json{{"apple", 2}});
}

TEST_CASE("crdt cart: remove, then add 3, reads 3", "[cli][cart]") {
  Cli crdt;
  REQUIRE(crdt("cart add", {"c", "milk", "5"}).exit_code == 0);
  REQUIRE(crdt("cart rm", {"c", "milk"}).exit_code == 0);
  CHECK(crdt("cart add", {"c", "milk", "3"}).parsed().at("value") == json{{"milk", 3}});
}

TEST_CASE("crdt cart: dec or rm of an item not in the cart fails", "[cli][cart][errors]") {
  Cli crdt;
  REQUIRE(crdt("cart add", {"c", "milk"}).exit_code == 0);
  for (const char* command : {"cart dec", "cart rm"}) {
    const auto run = crdt(command, {"c", "bread"});
    CHECK(run.exit_code == 1);
    CHECK(run.err.find("bread is not in the cart") != std::string::npos);
  }
  CHECK(crdt("get", {"c"}).parsed().at("value") == json{{"milk", 1}});
}

}  // namespace
