#include <catch2/catch.hpp>

#include "cli_test_support.hpp"

namespace {

using crdt::cli::test::Cli;
using nlohmann::json;

TEST_CASE("crdt set: add and rm several elements, read back sorted", "[cli][set]") {
  Cli crdt;
  auto run = crdt("set add", {"tags", "zebra", "apple", "mango"});
  REQUIRE(run.exit_code == 0);
  CHECK(run.parsed() ==
        json{{"doc", "tags"}, {"type", "orset<string>"}, {"value", {"apple", "mango", "zebra"}}});
  CHECK(crdt("set rm", {"tags", "mango", "absent"}).parsed().at("value") == json{"apple", "zebra"});
  CHECK(crdt("set add", {"tags", "apple", "kiwi"}).parsed().at("value") ==
        json{"apple", "kiwi", "zebra"});
  const auto get = crdt("get", {"tags"}).parsed();
  CHECK(get.at("value") == json{"apple", "kiwi", "zebra"});
  CHECK(get.at("type") == "orset<string>");
}

TEST_CASE("crdt set: elements are arbitrary UTF-8 strings", "[cli][set]") {
  Cli crdt;
  CHECK(crdt("set add", {"s", "naïve", "日本", "with space", ""}).parsed().at("value") ==
        json{"", "naïve", "with space", "日本"});
}

TEST_CASE("crdt set: a removed set shows nothing and its old elements never return",
          "[cli][set][rm]") {
  Cli crdt;
  REQUIRE(crdt("set add", {"s", "a", "b"}).exit_code == 0);
  REQUIRE(crdt("rm", {"s"}).exit_code == 0);
  CHECK(crdt("get", {"s"}).exit_code == 1);
  CHECK(crdt("ls").parsed() == json::array());
  CHECK(crdt("set add", {"s", "c"}).parsed().at("value") == json{"c"});
}

}  // namespace
