#include <catch2/catch.hpp>

#include "cli_test_support.hpp"

namespace {

using crdt::cli::test::Cli;
using nlohmann::json;

TEST_CASE("crdt get: doc, type, value and the context as ranges per replica", "[cli][read]") {
  Cli crdt;
  const std::string replica = crdt("init").parsed().at("replica");
  REQUIRE(crdt("set add", {"s", "a"}).exit_code == 0);
  REQUIRE(crdt("set add", {"s", "b"}).exit_code == 0);
  const auto run = crdt("get", {"s"});
  REQUIRE(run.exit_code == 0);
  CHECK(run.err.empty());
  CHECK(run.parsed() == json{{"doc", "s"},
                             {"type", "orset<string>"},
                             {"value", {"a", "b"}},
                             {"context", {{replica, {{1, 2}}}}}});
  // Keys come in a fixed, readable order.
  CHECK(run.out.rfind(R"({"doc":"s","type":"orset<string>","value":)", 0) == 0);
}

TEST_CASE("crdt ls: documents in id order, with --prefix", "[cli][read]") {
  Cli crdt;
  REQUIRE(crdt("cart add", {"cart:bob", "x"}).exit_code == 0);
  REQUIRE(crdt("cart add", {"cart:alice", "x"}).exit_code == 0);
  REQUIRE(crdt("counter inc", {"likes"}).exit_code == 0);
  REQUIRE(crdt("counter inc", {"likes"}).exit_code == 0);
  const auto all = crdt("ls").parsed();
  REQUIRE(all.size() == 3);
  CHECK(all[0].at("id") == "cart:alice");
  CHECK(all[1].at("id") == "cart:bob");
  CHECK(all[2].at("id") == "likes");
  CHECK(all[2].at("type") == "pncounter");
  // Only replicated facts by default: two replicas in the same state print the same.
  CHECK_FALSE(all[2].contains("version"));
  CHECK_FALSE(all[2].contains("updated"));
  const auto local = crdt("ls", {"--local"}).parsed();
  CHECK(local[2].at("version") == 2);
  CHECK(local[2].contains("updated"));
  const auto carts = crdt("ls", {"--prefix", "cart:"}).parsed();
  REQUIRE(carts.size() == 2);
  CHECK(carts[1].at("id") == "cart:bob");
  CHECK(crdt("ls", {"--prefix", "nothing"}).parsed() == json::array());
}

TEST_CASE("crdt dump: every document as get prints it, one per line", "[cli][read]") {
  Cli crdt;
  REQUIRE(crdt("counter inc", {"c", "4"}).exit_code == 0);
  REQUIRE(crdt("text insert", {"t", "0", "hi"}).exit_code == 0);
  REQUIRE(crdt("cart add", {"k", "tea", "2"}).exit_code == 0);
  const auto run = crdt("dump");
  REQUIRE(run.exit_code == 0);
  const auto lines = run.lines();
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].at("doc") == "c");
  CHECK(lines[0].at("value") == 4);
  CHECK(lines[1].at("value") == json{{"tea", 2}});
  CHECK(lines[2].at("value") == "hi");
  for (const auto& line : lines) CHECK(line == crdt("get", {line.at("doc")}).parsed());
  CHECK(Cli()("dump").exit_code == 1);
}

TEST_CASE("crdt log: the delta log with --since and --limit", "[cli][read][log]") {
  Cli crdt;
  const std::string replica = crdt("init").parsed().at("replica");
  REQUIRE(crdt("counter inc", {"a"}).exit_code == 0);
  REQUIRE(crdt("set add", {"b", "x"}).exit_code == 0);
  REQUIRE(crdt("counter inc", {"a"}).exit_code == 0);
  const auto all = crdt("log").lines();
  REQUIRE(all.size() == 3);
  CHECK(all[0].at("seq") == 1);
  CHECK(all[0].at("doc") == "a");
  CHECK(all[0].at("type") == "pncounter");
  CHECK(all[0].at("origin") == replica);
  CHECK(all[0].at("bytes").get<int>() > 0);
  CHECK(all[1].at("doc") == "b");
  CHECK(all[2].at("seq") == 3);
  const auto since = crdt("log", {"--since", "1"}).lines();
  REQUIRE(since.size() == 2);
  CHECK(since[0].at("seq") == 2);
  const auto limited = crdt("log", {"--since", "1", "--limit", "1"}).lines();
  REQUIRE(limited.size() == 1);
  CHECK(limited[0].at("seq") == 2);
  CHECK(crdt("log", {"--since", "3"}).out.empty());
  CHECK(crdt("log", {"--limit", "0"}).exit_code == 2);
}

TEST_CASE("crdt status: identity, counts and sizes", "[cli][read][status]") {
  Cli crdt;
  const auto init = crdt("init", {"--id", "laptop"}).parsed();
  REQUIRE(crdt("counter inc", {"a"}).exit_code == 0);
  REQUIRE(crdt("set add", {"b", "x"}).exit_code == 0);
  REQUIRE(crdt("set add", {"gone", "x"}).exit_code == 0);
  REQUIRE(crdt("rm", {"gone"}).exit_code == 0);
  const auto run = crdt("status");
  REQUIRE(run.exit_code == 0);
  const auto status = run.parsed();
  CHECK(status.at("replica") == init.at("replica"));
  CHECK(status.at("label") == "laptop");
  CHECK(status.at("incarnation") == 1);
  CHECK(status.at("durability") == "full");
  CHECK(status.at("documents") == 2);
  CHECK(status.at("removed_documents") == 1);
  CHECK(status.at("log_entries").get<int>() >= 3);
  CHECK(status.at("last_seq").get<int>() >= 3);
  CHECK(status.at("file_bytes").get<long>() > 0);
  CHECK(status.at("conflicts") == json::array());
  CHECK(status.at("peers") == json::array());
}

TEST_CASE("crdt: reads leave the file unchanged", "[cli][read]") {
  Cli crdt;
  REQUIRE(crdt("counter inc", {"a"}).exit_code == 0);
  const auto before = crdt("status").parsed();
  for (const char* command : {"get", "ls", "dump", "log", "status"}) {
    const auto run = crdt(command, command == std::string("get") ? std::vector<std::string>{"a"}
                                                                 : std::vector<std::string>{});
    CHECK(run.exit_code == 0);
  }
  const auto after = crdt("status").parsed();
  CHECK(after.at("last_seq") == before.at("last_seq"));
  CHECK(after.at("incarnation") == before.at("incarnation"));
}

}  // namespace
