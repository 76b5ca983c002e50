#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "cli_test_support.hpp"

namespace {

using crdt::cli::test::Cli;

TEST_CASE("crdt counter: inc and dec print the new value", "[cli][counter]") {
  Cli crdt;
  auto run = crdt("counter inc", {"likes"});
  REQUIRE(run.exit_code == 0);
  CHECK(run.parsed() == nlohmann::json{{"doc", "likes"}, {"type", "pncounter"}, {"value", 1}});
  CHECK(crdt("counter inc", {"likes", "10"}).parsed().at("value") == 11);
  CHECK(crdt("counter dec", {"likes", "3"}).parsed().at("value") == 8);
  CHECK(crdt("counter dec", {"likes"}).parsed().at("value") == 7);
  CHECK(crdt("counter dec", {"likes", "20"}).parsed().at("value") == -13);
  const auto get = crdt("get", {"likes"});
  REQUIRE(get.exit_code == 0);
  CHECK(get.parsed().at("value") == -13);
  CHECK(get.parsed().at("type") == "pncounter");
}

TEST_CASE("crdt counter: every acknowledged increment is durable", "[cli][counter][durability]") {
  Cli crdt;
  for (int i = 1; i <= 20; ++i) {
    const auto run = crdt("counter inc", {"hits"});
    REQUIRE(run.exit_code == 0);
    REQUIRE(run.parsed().at("value") == i);
  }
  CHECK(crdt("get", {"hits"}).parsed().at("value") == 20);
  const auto status = crdt("status").parsed();
  CHECK(status.at("last_seq") == 20);
}

TEST_CASE("crdt counter: two processes incrementing one document at once lose nothing",
          "[cli][counter][durability]") {
  Cli crdt;
  REQUIRE(crdt("init").exit_code == 0);
  constexpr int kPerWriter = 15;
  // Catch2 assertions are not thread-safe: the writers only record exit codes.
  std::vector<int> failures(2, 0);
  std::vector<std::thread> writers;
  for (int w = 0; w < 2; ++w) {
    writers.emplace_back([&crdt, &failures, w] {
      for (int i = 0; i < kPerWriter; ++i)
        failures[w] += crdt("counter inc", {"shared"}).exit_code != 0;
    });
  }
  for (auto& writer : writers) writer.join();
  CHECK(failures == std::vector<int>{0, 0});
  CHECK(crdt("get", {"shared"}).parsed().at("value") == 2 * kPerWriter);
}

TEST_CASE("crdt counter: a removed counter starts again from zero", "[cli][counter][rm]") {
  Cli crdt;
  REQUIRE(crdt("counter inc", {"c", "5"}).exit_code == 0);
  const auto rm = crdt("rm", {"c"});
  REQUIRE(rm.exit_code == 0);
  CHECK(rm.parsed() == nlohmann::json{{"doc", "c"}, {"removed", true}});
  CHECK(crdt("get", {"c"}).exit_code == 1);
  CHECK(crdt("counter inc", {"c", "2"}).parsed().at("value") == 2);
  CHECK(crdt("get", {"c"}).parsed().at("value") == 2);
}

TEST_CASE("crdt bounded: inc gives rights, dec spends them, never below zero", "[cli][bounded]") {
  Cli crdt;
  auto run = crdt("bounded inc", {"stock", "10"});
  REQUIRE(run.exit_code == 0);
  CHECK(run.parsed().at("value") == 10);
  CHECK(run.parsed().at("rights") == 10);
  CHECK(run.parsed().at("type") == "bcounter<0>");
  run = crdt("bounded dec", {"stock", "4"});
  REQUIRE(run.exit_code == 0);
  CHECK(run.parsed().at("value") == 6);
  CHECK(run.parsed().at("rights") == 6);

  SECTION("a decrement beyond the rights fails, says what is held, and changes nothing") {
    const auto refused = crdt("bounded dec", {"stock", "7"});
    CHECK(refused.exit_code == 1);
    CHECK(refused.out.empty());
    CHECK(refused.err.find("holds only 6 rights") != std::string::npos);
    CHECK(refused.err.find("stock") != std::string::npos);
    CHECK(crdt("get", {"stock"}).parsed().at("value") == 6);
    CHECK(crdt("bounded dec", {"stock", "6"}).parsed().at("value") == 0);
    CHECK(crdt("bounded dec", {"stock", "1"}).exit_code == 1);
  }
  SECTION("a transfer moves rights to another replica but keeps the value") {
    const auto moved = crdt("bounded transfer", {"stock", "5", "00000000000000ff"});
    REQUIRE(moved.exit_code == 0);
    CHECK(moved.parsed().at("value") == 6);
    CHECK(moved.parsed().at("rights") == 1);
    const auto refused = crdt("bounded transfer", {"stock", "2", "ff"});
    CHECK(refused.exit_code == 1);
    CHECK(refused.err.find("holds only 1 rights") != std::string::npos);
    CHECK(crdt("bounded dec", {"stock", "2"}).exit_code == 1);
    CHECK(crdt("bounded dec", {"stock", "1"}).parsed().at("value") == 5);
  }
  SECTION("a transfer to this replica itself is refused") {
    const std::string self = crdt("init").parsed().at("replica");
    const auto refused = crdt("bounded transfer", {"stock", "1", self});
    CHECK(refused.exit_code == 1);
    CHECK(refused.err.find("itself") != std::string::npos);
  }
}

}  // namespace
