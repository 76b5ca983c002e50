#include <catch2/catch.hpp>

#include "cli_test_support.hpp"

namespace {

using crdt::cli::test::Cli;

TEST_CASE("crdt text: insert and delete by code point", "[cli][text]") {
  Cli crdt;
  auto run = crdt("text insert", {"note", "0", "héllo"});
  REQUIRE(run.exit_code == 0);
  CHECK(run.parsed().at("value") == "héllo");
  CHECK(run.parsed().at("type") == "text");
  CHECK(crdt("text insert", {"note", "5", " wörld"}).parsed().at("value") == "héllo wörld");
  CHECK(crdt("text insert", {"note", "1", "€"}).parsed().at("value") == "h€éllo wörld");
  CHECK(crdt("text delete", {"note", "1", "2"}).parsed().at("value") == "hllo wörld");
  CHECK(crdt("text delete", {"note", "0", "4"}).parsed().at("value") == " wörld");
  CHECK(crdt("get", {"note"}).parsed().at("value") == " wörld");
}

TEST_CASE("crdt text: positions out of range fail and change nothing", "[cli][text][errors]") {
  Cli crdt;
  REQUIRE(crdt("text insert", {"t", "0", "abc"}).exit_code == 0);
  SECTION("insert past the end") {
    const auto run = crdt("text insert", {"t", "4", "x"});
    CHECK(run.exit_code == 1);
    CHECK(run.out.empty());
    CHECK(run.err.find("position 4") != std::string::npos);
  }
  SECTION("delete past the end") {
    const auto run = crdt("text delete", {"t", "2", "2"});
    CHECK(run.exit_code == 1);
    CHECK(run.err.find("the text has 3") != std::string::npos);
  }
  SECTION("insert into a new, empty text anywhere but 0") {
    CHECK(crdt("text insert", {"empty", "1", "x"}).exit_code == 1);
    CHECK(crdt("get", {"empty"}).exit_code == 1);
  }
  CHECK(crdt("get", {"t"}).parsed().at("value") == "abc");
}

TEST_CASE("crdt text: invalid UTF-8 is refused as a usage error", "[cli][text][errors]") {
  Cli crdt;
  const auto run = crdt("text insert", {"t", "0", std::string("a\xff", 2)});
  CHECK(run.exit_code == 2);
  CHECK(run.err.find("not valid UTF-8") != std::string::npos);
  CHECK(crdt("get", {"t"}).exit_code == 1);
}

}  // namespace
