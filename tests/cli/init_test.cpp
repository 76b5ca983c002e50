#include <catch2/catch.hpp>

#include "cli_test_support.hpp"

namespace {

using crdt::cli::test::Cli;

TEST_CASE("crdt init: creates the store and prints its identity", "[cli][init]") {
  Cli crdt;
  const auto run = crdt("init", {"--id", "alice"});
  REQUIRE(run.exit_code == 0);
  CHECK(run.err.empty());
  const auto out = run.parsed();
  const std::string replica = out.at("replica");
  CHECK(replica.size() == 16);
  CHECK(replica.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(replica != "0000000000000000");
  CHECK(out.at("label") == "alice");
  CHECK(out.at("incarnation") == 1);
  CHECK(out.at("file") == crdt.db());
  CHECK(out.at("created").get<std::string>().size() == 24);  // 2024-05-01T12:00:00.123Z
}

TEST_CASE("crdt init: the replica id is stable across runs and --id is only a label",
          "[cli][init]") {
  Cli crdt;
  const auto first = crdt("init", {"--id", "alice"}).parsed();
  const auto again = crdt("init");
  REQUIRE(again.exit_code == 0);
  CHECK(again.parsed() == first);
  // Other commands run in between do not change it either.
  REQUIRE(crdt("counter inc", {"c"}).exit_code == 0);
  const auto third = crdt("init", {"--id", "bob"}).parsed();
  CHECK(third.at("replica") == first.at("replica"));
  CHECK(third.at("label") == "alice");
  CHECK(third.at("incarnation") == 1);
}

TEST_CASE("crdt init: two stores get different replica ids", "[cli][init]") {
  Cli crdt;
  const auto a = crdt.on(crdt.file("a.db"), "init").parsed();
  const auto b = crdt.on(crdt.file("b.db"), "init").parsed();
  CHECK(a.at("replica") != b.at("replica"));
}

TEST_CASE("crdt init: a write to a new file creates the store too", "[cli][init]") {
  Cli crdt;
  REQUIRE(crdt("counter inc", {"c"}).exit_code == 0);
  const auto status = crdt("status");
  REQUIRE(status.exit_code == 0);
  CHECK(status.parsed().at("documents") == 1);
}

}  // namespace
