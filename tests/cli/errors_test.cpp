// Every failure exits non-zero with exactly one line on stderr that starts "crdt: ", and prints
// nothing on stdout: 2 for usage errors, 1 for runtime errors.
#include <algorithm>
#include <fstream>

#include <catch2/catch.hpp>
#include <sqlite3.h>

#include "cli_test_support.hpp"

namespace {

using crdt::cli::test::Cli;
using crdt::cli::test::Run;
using crdt::cli::test::run_crdt;

void check_failure(const Run& run, int code, const std::string& fragment) {
  INFO("stdout: " << run.out << "\nstderr: " << run.err);
  CHECK(run.exit_code == code);
  CHECK(run.out.empty());
  CHECK(run.err.rfind("crdt: ", 0) == 0);
  CHECK(std::count(run.err.begin(), run.err.end(), '\n') == 1);
  CHECK(run.err.find(fragment) != std::string::npos);
}

void write_file(const std::string& file, const std::string& content) {
  std::ofstream(file, std::ios::binary) << content;
}

void raw_exec(const std::string& file, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(file.c_str(), &db) == SQLITE_OK);
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
  sqlite3_close(db);
  REQUIRE(rc == SQLITE_OK);
}

TEST_CASE("crdt: usage errors exit 2", "[cli][errors][usage]") {
  Cli crdt;
  SECTION("no command") { check_failure(run_crdt({}), 2, "subcommand"); }
  SECTION("an unknown command") { check_failure(run_crdt({"frobnicate"}), 2, "'frobnicate'"); }
  SECTION("an unknown subcommand") {
    check_failure(run_crdt({"counter", "explode", "--db", crdt.db(), "c"}), 2, "'explode'");
  }
  SECTION("a group without its subcommand") { check_failure(run_crdt({"cart"}), 2, "subcommand"); }
  SECTION("no --db") { check_failure(run_crdt({"counter", "inc", "c"}), 2, "--db"); }
  SECTION("no DOC") { check_failure(crdt("counter inc"), 2, "DOC"); }
  SECTION("no elements") { check_failure(crdt("set add", {"s"}), 2, "ELEM"); }
  SECTION("no N for bounded") { check_failure(crdt("bounded inc", {"b"}), 2, "N"); }
  SECTION("no receiver for a transfer") {
    check_failure(crdt("bounded transfer", {"b", "1"}), 2, "TO_REPLICA_ID");
  }
  SECTION("an unknown option") { check_failure(crdt("get", {"x", "--bogus"}), 2, "--bogus"); }
  SECTION("too many arguments") { check_failure(crdt("counter inc", {"c", "1", "2"}), 2, "2"); }
  SECTION("a non-numeric N") { check_failure(crdt("counter inc", {"c", "abc"}), 2, "'abc'"); }
  SECTION("a negative N") { check_failure(crdt("counter dec", {"c", "-5"}), 2, "-5"); }
  SECTION("a zero N") { check_failure(crdt("counter inc", {"c", "0"}), 2, "at least 1"); }
  SECTION("N with trailing junk") { check_failure(crdt("cart add", {"k", "x", "3x"}), 2, "'3x'"); }
  SECTION("an N too large") {
    check_failure(crdt("counter inc", {"c", "18446744073709551616"}), 2, "at most");
    check_failure(crdt("cart add", {"k", "x", "9223372036854775808"}), 2, "at most");
  }
  SECTION("a malformed replica id") {
    check_failure(crdt("bounded transfer", {"b", "1", "xyz"}), 2, "replica id");
    check_failure(crdt("bounded transfer", {"b", "1", "0"}), 2, "replica id");
  }
  SECTION("a non-numeric text position") {
    check_failure(crdt("text insert", {"t", "one", "x"}), 2, "POS");
  }
  SECTION("an empty document id") { check_failure(crdt("counter inc", {""}), 2, "DOC"); }
  SECTION("a document id that is not UTF-8") {
    check_failure(crdt("counter inc", {std::string("\xc3\x28", 2)}), 2, "UTF-8");
  }
  // Nothing was created by a refused command.
  CHECK_FALSE(std::ifstream(crdt.db()).good());
}

TEST_CASE("crdt: --help succeeds", "[cli][usage]") {
  const auto run = run_crdt({"--help"});
  CHECK(run.exit_code == 0);
  CHECK(run.out.find("counter") != std::string::npos);
  CHECK(run_crdt({"cart", "add", "--help"}).exit_code == 0);
}

TEST_CASE("crdt: a document of another type is refused, exit 1", "[cli][errors][type]") {
  Cli crdt;
  REQUIRE(crdt("counter inc", {"cart:alice"}).exit_code == 0);
  check_failure(crdt("cart add", {"cart:alice", "apple"}), 1,
                "cart:alice is a pncounter, not a cart");
  check_failure(crdt("set add", {"cart:alice", "x"}), 1, "not a set");
  check_failure(crdt("text insert", {"cart:alice", "0", "x"}), 1, "not a text");
  check_failure(crdt("bounded inc", {"cart:alice", "1"}), 1, "not a bounded counter");
  check_failure(crdt("lww set", {"cart:alice", "v"}), 1, "not a lww register");
  check_failure(crdt("mv set", {"cart:alice", "v"}), 1, "not a mv register");
  CHECK(crdt("get", {"cart:alice"}).parsed().at("value") == 1);
}

TEST_CASE("crdt: a removed document keeps its type", "[cli][errors][type]") {
  Cli crdt;
  REQUIRE(crdt("set add", {"s", "x"}).exit_code == 0);
  REQUIRE(crdt("rm", {"s"}).exit_code == 0);
  check_failure(crdt("counter inc", {"s"}), 1, "s: ");
}

TEST_CASE("crdt: files that are not stores are refused, exit 1, and left as they were",
          "[cli][errors][file]") {
  Cli crdt;
  const std::string file = crdt.file("notes.txt");
  write_file(file, "this is not a database, just some text that is long enough to matter\n");
  for (const char* command : {"get", "counter inc"}) {
    check_failure(crdt.on(file, command, {"x"}), 1, file + ": not a database");
  }
  check_failure(crdt.on(file, "init"), 1, "not a database");
  check_failure(crdt.on(file, "status"), 1, "not a database");
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  CHECK(line == "this is not a database, just some text that is long enough to matter");
}

TEST_CASE("crdt: a SQLite file that is not a store is refused", "[cli][errors][file]") {
  Cli crdt;
  const std::string file = crdt.file("other.db");
  raw_exec(file, "CREATE TABLE things(x); INSERT INTO things VALUES (1);");
  check_failure(crdt.on(file, "counter inc", {"c"}), 1, "not a database");
  check_failure(crdt.on(file, "ls"), 1, "not a database");
}

TEST_CASE("crdt: a store of a newer schema is refused", "[cli][errors][file]") {
  Cli crdt;
  REQUIRE(crdt("counter inc", {"c"}).exit_code == 0);
  raw_exec(crdt.db(),
           "UPDATE metadata SET value = 99 WHERE key IN ('schema_version', "
           "'min_reader_version')");
  check_failure(crdt("get", {"c"}), 1, "newer version");
  check_failure(crdt("counter inc", {"c"}), 1, "newer version");
}

TEST_CASE("crdt: reading a missing file is an error and creates nothing", "[cli][errors][file]") {
  Cli crdt;
  for (const char* command : {"get", "ls", "dump", "log", "status", "rm"}) {
    const bool takes_doc = command == std::string("get") || command == std::string("rm");
    check_failure(
        crdt(command, takes_doc ? std::vector<std::string>{"x"} : std::vector<std::string>{}), 1,
        crdt.db() + ": no such file");
  }
  CHECK_FALSE(std::ifstream(crdt.db()).good());
}

TEST_CASE("crdt: a missing document is an error", "[cli][errors]") {
  Cli crdt;
  REQUIRE(crdt("counter inc", {"c"}).exit_code == 0);
  check_failure(crdt("get", {"nothing"}), 1, "nothing: no such document");
  check_failure(crdt("rm", {"nothing"}), 1, "nothing: no such document");
}

}  // namespace
