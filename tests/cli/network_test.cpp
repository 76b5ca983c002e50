// The network half of `crdt`, with real processes on 127.0.0.1: a hub (`crdt serve`) and devices
// (`crdt sync`) that edit offline and converge; a hub killed with SIGKILL in the middle of a sync;
// a wrong secret; garbage on the wire. Every test ends by itself (timeouts everywhere).
#include <arpa/inet.h>
#include <chrono>
#include <fstream>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>

#include <catch2/catch.hpp>

#include "cli_test_support.hpp"
#include "serve_process.hpp"

using namespace crdt::cli::test;

namespace {

json value_of(const Cli& cli, const std::string& db, const std::string& doc) {
  const Run run = cli.on(db, "get", {doc});
  REQUIRE(run.exit_code == 0);
  return run.parsed()["value"];
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// A raw TCP connection to 127.0.0.1:port that sends `bytes` and reports whether the server
// closed it within 5 s.
bool closed_after_sending(std::uint16_t port, const std::string& bytes) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return false;
  }
  (void)!::write(fd, bytes.data(), bytes.size());
  bool closed = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!closed && std::chrono::steady_clock::now() < deadline) {
    pollfd poll_fd{fd, POLLIN, 0};
    if (::poll(&poll_fd, 1, 100) <= 0) continue;
    char buffer[256];
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    closed = n <= 0;
  }
  ::close(fd);
  return closed;
}

}  // namespace

TEST_CASE("network: a hub and two devices edit offline and converge", "[network]") {
  Cli cli;
  const std::string hub = cli.file("hub.db"), a = cli.file("a.db"), b = cli.file("b.db");
  Server server(hub, cli.file("hub.log"));
  // A shared start: the cart holds milk and the text "doc" everywhere.
  REQUIRE(cli.on(a, "cart add", {"cart", "milk"}).exit_code == 0);
  REQUIRE(cli.on(a, "text insert", {"notes", "0", "shared"}).exit_code == 0);
  for (const auto* device : {&a, &b, &a}) {
    const Run sync = cli.on(*device, "sync", {"--peer", server.address()});
    INFO(sync.err);
    REQUIRE(sync.exit_code == 0);
  }
  REQUIRE(value_of(cli, b, "cart") == json{{"milk", 1}});

  // Offline, concurrently: a removes milk while b adds one more; everyone counts; both write
  // the register; both edit the text. The hub's own file is written while it runs.
  REQUIRE(cli.on(a, "cart rm", {"cart", "milk"}).exit_code == 0);
  REQUIRE(cli.on(b, "cart add", {"cart", "milk"}).exit_code == 0);
  REQUIRE(cli.on(a, "counter inc", {"clicks", "2"}).exit_code == 0);
  REQUIRE(cli.on(b, "counter inc", {"clicks", "3"}).exit_code == 0);
  REQUIRE(cli.on(hub, "counter inc", {"clicks", "5"}).exit_code == 0);
  REQUIRE(cli.on(a, "lww set", {"title", "from a"}).exit_code == 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  REQUIRE(cli.on(b, "lww set", {"title", "from b"}).exit_code == 0);
  REQUIRE(cli.on(a, "text insert", {"notes", "0", "A:"}).exit_code == 0);
  REQUIRE(cli.on(b, "text insert", {"notes", "6", ":B"}).exit_code == 0);

  for (const auto* device : {&a, &b, &a}) {
    const Run sync = cli.on(*device, "sync", {"--peer", server.address()});
    INFO(sync.err);
    REQUIRE(sync.exit_code == 0);
    CHECK(sync.parsed().contains("bytes_sent"));
  }
  server.stop(SIGTERM);
  for (const auto* db : {&hub, &a, &b}) {
    INFO(*db);
    // Add wins over a concurrent remove: b's add was not seen by a's remove.
    CHECK(value_of(cli, *db, "cart") == json{{"milk", 1}});
    CHECK(value_of(cli, *db, "clicks") == 10);
    CHECK(value_of(cli, *db, "title") == "from b");
    CHECK(value_of(cli, *db, "notes") == "A:shared:B");
  }
}

TEST_CASE("network: a hub killed in the middle of a sync loses nothing acknowledged", "[network]") {
  Cli cli;
  const std::string hub = cli.file("hub.db"), device = cli.file("device.db");
  // Enough on the device that the sync takes a while.
  for (int batch = 0; batch < 4; ++batch) {
    std::vector<std::string> elements{"big"};
    for (int i = 0; i < 500; ++i) {
      std::string element(1, 'e');
      element += std::to_string(batch * 500 + i);
      elements.push_back(std::move(element));
    }
    REQUIRE(cli.on(device, "set add", elements).exit_code == 0);
  }
  REQUIRE(cli.on(hub, "counter inc", {"hub-only", "7"}).exit_code == 0);
  {
    Server server(hub, cli.file("hub.log"));
    // A sync in the background, and the hub killed under it.
    std::thread syncing([&] {
      cli.on(device, "sync", {"--peer", server.address(), "--timeout", "3"});
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    CHECK(server.stop(SIGKILL) == 128 + SIGKILL);
    syncing.join();
  }
  // The hub's file is whole, and after a restart the sync completes.
  const Run check = cli.on(hub, "status");
  REQUIRE(check.exit_code == 0);
  Server restarted(hub, cli.file("hub2.log"));
  const Run sync = cli.on(device, "sync", {"--peer", restarted.address()});
  INFO(sync.err);
  REQUIRE(sync.exit_code == 0);
  restarted.stop(SIGTERM);
  CHECK(value_of(cli, hub, "big").size() == 2000);
  CHECK(value_of(cli, device, "hub-only") == 7);
}

TEST_CASE("network: a wrong secret is refused on both sides", "[network]") {
  Cli cli;
  write_file(cli.file("right"), "correct horse battery staple\n");
  write_file(cli.file("wrong"), "incorrect donkey\n");
  Server server(cli.file("hub.db"), cli.file("hub.log"), {"--secret-file", cli.file("right")});
  const Run refused =
      cli.on(cli.file("d.db"), "sync",
             {"--peer", server.address(), "--secret-file", cli.file("wrong"), "--timeout", "10"});
  CHECK(refused.exit_code == 1);
  CHECK(refused.err.find("refused") != std::string::npos);
  const Run accepted = cli.on(cli.file("d.db"), "sync",
                              {"--peer", server.address(), "--secret-file", cli.file("right")});
  INFO(accepted.err);
  CHECK(accepted.exit_code == 0);
  // Without a secret against a hub that has one: refused too.
  const Run none =
      cli.on(cli.file("d.db"), "sync", {"--peer", server.address(), "--timeout", "10"});
  CHECK(none.exit_code == 1);
  server.stop(SIGTERM);
  CHECK(server.log().find("refused") != std::string::npos);
}

TEST_CASE("network: garbage and an oversized length close only that connection", "[network]") {
  Cli cli;
  Server server(cli.file("hub.db"), cli.file("hub.log"));
  CHECK(closed_after_sending(server.port(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  CHECK(closed_after_sending(server.port(), std::string("\xff\xff\xff\xff", 4)));
  // The hub still serves everyone else.
  REQUIRE(cli.on(cli.file("d.db"), "counter inc", {"c"}).exit_code == 0);
  const Run sync = cli.on(cli.file("d.db"), "sync", {"--peer", server.address()});
  INFO(sync.err);
  CHECK(sync.exit_code == 0);
  const Run status = run_crdt({"status", "--node", server.address()});
  INFO(status.err);
  REQUIRE(status.exit_code == 0);
  CHECK(status.parsed()["documents"] == 1);
  CHECK(server.stop(SIGTERM) == 0);
  const std::string log = server.log();
  CHECK(log.find("exceeds the maximum") != std::string::npos);
  CHECK(log.find("bad frame") != std::string::npos);
}

TEST_CASE("network: a running node picks up writes the command makes to its file", "[network]") {
  Cli cli;
  const std::string hub = cli.file("hub.db"), edge = cli.file("edge.db");
  Server hub_server(hub, cli.file("hub.log"));
  Server edge_server(edge, cli.file("edge.log"), {"--peer", hub_server.address()});
  REQUIRE(cli.on(edge, "set add", {"tags", "written-by-cli"}).exit_code == 0);
  const auto started = std::chrono::steady_clock::now();
  bool arrived = false;
  while (!arrived && std::chrono::steady_clock::now() - started < std::chrono::seconds(10)) {
    const Run run = cli.on(hub, "get", {"tags"});
    arrived = run.exit_code == 0 && run.parsed()["value"] == json{"written-by-cli"};
    if (!arrived) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(arrived);
  const Run status = run_crdt({"status", "--node", hub_server.address()});
  REQUIRE(status.exit_code == 0);
  // The edge streaming to the hub, and this status query itself (an observer).
  const json sessions = status.parsed()["sessions"];
  REQUIRE(sessions.size() == 2);
  CHECK(sessions[0]["state"] != sessions[1]["state"]);
  CHECK(edge_server.stop(SIGTERM) == 0);
  CHECK(hub_server.stop(SIGTERM) == 0);
}

TEST_CASE("network: usage errors", "[network]") {
  Cli cli;
  CHECK(cli("sync", {"--peer", "nowhere"}).exit_code == 2);
  CHECK(cli("serve", {"--listen", "127.0.0.1:99999"}).exit_code == 2);
  CHECK(run_crdt({"status"}).exit_code == 2);
  const Run unreachable = cli("sync", {"--peer", "127.0.0.1:1", "--timeout", "1"});
  CHECK(unreachable.exit_code == 1);
  CHECK(unreachable.err.find("no complete sync") != std::string::npos);
  write_file(cli.file("empty"), "");
  CHECK(cli("sync", {"--peer", "127.0.0.1:1", "--secret-file", cli.file("empty")}).exit_code == 1);
}

TEST_CASE("network: removing a counter or a register removes it on every replica", "[network]") {
  Cli cli;
  const std::string hub = cli.file("hub.db"), device = cli.file("device.db");
  Server server(hub, cli.file("hub.log"));
  REQUIRE(cli.on(device, "counter inc", {"visits", "5"}).exit_code == 0);
  REQUIRE(cli.on(device, "lww set", {"title", "draft"}).exit_code == 0);
  REQUIRE(cli.on(device, "sync", {"--peer", server.address()}).exit_code == 0);
  REQUIRE(value_of(cli, hub, "visits") == 5);
  // Removed on the device; meanwhile, concurrently, the hub counts 2 more.
  REQUIRE(cli.on(device, "rm", {"visits"}).exit_code == 0);
  REQUIRE(cli.on(device, "rm", {"title"}).exit_code == 0);
  REQUIRE(cli.on(hub, "counter inc", {"visits", "2"}).exit_code == 0);
  const Run sync = cli.on(device, "sync", {"--peer", server.address()});
  INFO(sync.err);
  REQUIRE(sync.exit_code == 0);
  server.stop(SIGTERM);
  for (const auto* db : {&hub, &device}) {
    INFO(*db);
    // What the removal observed is gone everywhere; the concurrent increments stay.
    CHECK(value_of(cli, *db, "visits") == 2);
    CHECK(cli.on(*db, "get", {"title"}).exit_code == 1);
  }
}

namespace {

// What `crdt ls` and `crdt get` print for every listed document, on one file.
std::string shown(const Cli& cli, const std::string& db) {
  const Run ls = cli.on(db, "ls");
  if (ls.exit_code != 0) return "ls failed: " + ls.err;
  std::string out = ls.out;
  for (const auto& entry : ls.parsed()) {
    const Run get = cli.on(db, "get", {entry.at("id").get<std::string>()});
    out += get.out + get.err + std::to_string(get.exit_code) + "\n";
  }
  return out;
}

// Waits (at most 20 s) until the two files show the same; returns whether they did.
bool show_the_same(const Cli& cli, const std::string& a, const std::string& b) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (shown(cli, a) == shown(cli, b)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

}  // namespace

TEST_CASE("network: two running nodes show the same after removals and a type conflict",
          "[network][presentation]") {
  Cli cli;
  const std::string a = cli.file("a.db"), b = cli.file("b.db");
  REQUIRE(cli.on(a, "init", {"--id", "a"}).exit_code == 0);
  REQUIRE(cli.on(b, "init", {"--id", "b"}).exit_code == 0);
  // One id created with two types while apart, a counter on a and a set on b.
  REQUIRE(cli.on(a, "counter inc", {"both", "4"}).exit_code == 0);
  REQUIRE(cli.on(b, "set add", {"both", "element"}).exit_code == 0);
  Server first(a, cli.file("a.log"));
  Server second(b, cli.file("b.log"), {"--peer", first.address()});

  // Written on a while both run (each node picks up its file's writes), then removed there.
  REQUIRE(cli.on(a, "set add", {"tags", "x", "y"}).exit_code == 0);
  REQUIRE(cli.on(a, "cart add", {"cart", "milk", "2"}).exit_code == 0);
  REQUIRE(cli.on(a, "text insert", {"notes", "0", "hello"}).exit_code == 0);
  REQUIRE(cli.on(a, "counter inc", {"kept", "1"}).exit_code == 0);
  REQUIRE(show_the_same(cli, a, b));
  REQUIRE(cli.on(b, "get", {"notes"}).exit_code == 0);
  for (const char* doc : {"tags", "cart", "notes"}) {
    REQUIRE(cli.on(a, "rm", {doc}).exit_code == 0);
  }

  const bool same = show_the_same(cli, a, b);
  INFO("a:\n"
       << shown(cli, a) << "b:\n"
       << shown(cli, b) << "logs:\n"
       << first.log() << second.log());
  CHECK(same);
  for (const auto* db : {&a, &b}) {
    INFO(*db);
    for (const char* doc : {"tags", "cart", "notes"}) {
      const Run get = cli.on(*db, "get", {doc});
      CHECK(get.exit_code == 1);
      CHECK(get.err.find("no such document") != std::string::npos);
    }
    const Run both = cli.on(*db, "get", {"both"});
    REQUIRE(both.exit_code == 0);
    // The set's type tag sorts first, so the set is the document on both; the counter is kept.
    CHECK(both.parsed().at("type") == "orset<string>");
    CHECK(both.parsed().at("conflicts") == json{"pncounter"});
    const auto listed = cli.on(*db, "ls").parsed();
    REQUIRE(listed.size() == 2);
    CHECK(listed[0].at("id") == "both");
    CHECK(listed[1].at("id") == "kept");
  }
}

TEST_CASE("network: status of a file and of its running node name the same facts alike",
          "[network][status]") {
  Cli cli;
  const std::string hub = cli.file("hub.db");
  REQUIRE(cli.on(hub, "counter inc", {"c", "2"}).exit_code == 0);
  REQUIRE(cli.on(hub, "set add", {"s", "x"}).exit_code == 0);
  const json at_rest = cli.on(hub, "status").parsed();
  Server server(hub, cli.file("hub.log"));
  const Run asked = run_crdt({"status", "--node", server.address()});
  INFO(asked.err);
  REQUIRE(asked.exit_code == 0);
  const json running = asked.parsed();
  for (const auto& [key, value] : at_rest.items()) {
    INFO(key);
    if (key == "file_bytes" || key == "wal_bytes") continue;  // sizes of a file at rest
    REQUIRE(running.contains(key));
    CHECK(running.at(key).type() == value.type());
  }
  CHECK(running.at("replica") == at_rest.at("replica"));
  CHECK(running.at("documents") == 2);
  CHECK(running.at("listening") == json{server.address()});
  CHECK(running.at("sessions").is_array());
  CHECK_FALSE(at_rest.contains("sessions"));
}
