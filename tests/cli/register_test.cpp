#include <catch2/catch.hpp>

#include "cli_test_support.hpp"

namespace {

using crdt::cli::test::Cli;
using nlohmann::json;

TEST_CASE("crdt lww: the last write wins and nothing was discarded", "[cli][register]") {
  Cli crdt;
  auto run = crdt("lww set", {"title", "first"});
  REQUIRE(run.exit_code == 0);
  CHECK(run.parsed().at("value") == "first");
  CHECK(run.parsed().at("type") == "lww<string>");
  CHECK(crdt("lww set", {"title", "second"}).parsed().at("value") == "second");
  const auto get = crdt("get", {"title"}).parsed();
  CHECK(get.at("value") == "second");
  CHECK(get.at("discarded") == 0);
}

TEST_CASE("crdt lww: a removed register is gone until written again", "[cli][register][rm]") {
  Cli crdt;
  REQUIRE(crdt("lww set", {"r", "old"}).exit_code == 0);
  REQUIRE(crdt("rm", {"r"}).exit_code == 0);
  CHECK(crdt("get", {"r"}).exit_code == 1);
  CHECK(crdt("lww set", {"r", "new"}).parsed().at("value") == "new");
}

TEST_CASE("crdt mv: a later write supersedes the one it saw", "[cli][register]") {
  Cli crdt;
  auto run = crdt("mv set", {"color", "red"});
  REQUIRE(run.exit_code == 0);
  CHECK(run.parsed().at("value") == json{"red"});
  CHECK(run.parsed().at("type") == "mvreg<string>");
  CHECK(crdt("mv set", {"color", "blue"}).parsed().at("value") == json{"blue"});
  CHECK(crdt("get", {"color"}).parsed().at("value") == json{"blue"});
}

}  // namespace
