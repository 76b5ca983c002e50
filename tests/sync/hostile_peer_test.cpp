// A real `crdt serve` on 127.0.0.1 against a peer that holds the secret and abuses the protocol
// (the hardening issue's finding 5): oversized and unread digest requests, a chunked message that
// never finishes. Afterwards the node still serves a normal `crdt sync`, stayed within its memory
// limits, and its data is unchanged. Every test ends by itself.
#include "support/hostile_peer.hpp"

#include <chrono>
#include <fcntl.h>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "chunking.hpp"
#include "cli/serve_process.hpp"
#include "crdt/or_set.hpp"
#include "crdt/persist/store.hpp"
#include "crdt/serialization/all.hpp"
#include "sync_messages.hpp"

using namespace crdt;
using namespace crdt::cli::test;
using crdt::sync::test::HostilePeer;
using namespace std::chrono_literals;

namespace {

const std::string kSecret = "correct horse battery staple";

std::string secret_file(const Cli& cli) {
  const std::string path = cli.file("secret");
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, kSecret.data(), kSecret.size()) == static_cast<ssize_t>(kSecret.size()));
  ::close(fd);
  return path;
}

sync::Bytes secret_bytes() { return sync::Bytes(kSecret.begin(), kSecret.end()); }

// A hub with `count` small sets, written in one transaction.
void fill(const std::string& file, int count) {
  persist::Store store = persist::Store::open(file);
  store.batch([&](persist::Batch& batch) {
    for (int i = 0; i < count; ++i) {
      batch.update<ORSet<std::string>>(
          "doc/" + std::to_string(i),
          [](ORSet<std::string>& set, persist::Writer& w) { return set.add(w.replica(), "x"); });
    }
  });
}

// After an attack: an honest device still syncs, and finds the hub's documents.
void honest_sync_works(const Cli& cli, const Server& server, const std::string& secret) {
  const std::string device = cli.file("honest.db");
  const Run sync = cli.on(device, "sync",
                          {"--peer", server.address(), "--secret-file", secret, "--timeout", "20"});
  INFO(sync.err);
  CHECK(sync.exit_code == 0);
  CHECK(cli.on(device, "get", {"doc/0"}).exit_code == 0);
}

sync::Frame start_frame() {
  return sync::to_frame(sync::SyncStart{sync::SyncStart::Mode::replica, {}, "hostile"});
}

}  // namespace

TEST_CASE("hostile peer: a digest asking for more than a request may cost is refused",
          "[hostile][digest]") {
  Cli cli;
  const std::string hub = cli.file("hub.db");
  fill(hub, 100);
  const std::string secret = secret_file(cli);
  Server server(hub, cli.file("hub.log"), {"--secret-file", secret});
  HostilePeer peer(server.port(), secret_bytes());
  REQUIRE(peer.send(start_frame()));
  sync::DigestMessage digest{1, {}};
  for (std::uint64_t i = 0; i < 100000; ++i) {
    digest.nodes.push_back(sync::DigestNode{4, i << 48, sync::DigestSummary{1, i}});
  }
  peer.send(sync::to_frame(digest));
  CHECK(peer.closed_within(10s));
  honest_sync_works(cli, server, secret);
  CHECK(server.log().find("exceeds the limit of 256") != std::string::npos);
  CHECK(server.stop(SIGTERM) == 0);
}

TEST_CASE("hostile peer: digest requests whose answers are never read end the session",
          "[hostile][digest]") {
  Cli cli;
  const std::string hub = cli.file("hub.db");
  fill(hub, 3000);
  const std::string secret = secret_file(cli);
  Server server(hub, cli.file("hub.log"), {"--secret-file", secret});
  {
    HostilePeer peer(server.port(), secret_bytes());
    REQUIRE(peer.send(start_frame()));
    // Every request asks for 256 nodes that each list about a dozen documents; nothing is read.
    sync::DigestMessage digest{1, {}};
    for (std::uint64_t i = 0; i < 256; ++i) {
      digest.nodes.push_back(sync::DigestNode{2, i << 56, sync::DigestSummary{1, i}});
    }
    const sync::Frame frame = sync::to_frame(digest);
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    std::size_t sent = 0;
    while (std::chrono::steady_clock::now() < deadline && peer.send(frame)) {
      if (++sent % 64 == 0) std::this_thread::sleep_for(10ms);
      if (sent > 20000) break;
    }
    CHECK(peer.closed_within(10s));
    CHECK(server.resident_bytes() < (std::uint64_t{256} << 20));
  }
  honest_sync_works(cli, server, secret);
  CHECK(server.log().find("unread") != std::string::npos);
  CHECK(server.stop(SIGTERM) == 0);
}

TEST_CASE("hostile peer: a chunked message that never finishes does not hold memory for ever",
          "[hostile][chunks]") {
  Cli cli;
  const std::string hub = cli.file("hub.db");
  fill(hub, 10);
  const std::string secret = secret_file(cli);
  Server server(hub, cli.file("hub.log"), {"--secret-file", secret});
  HostilePeer peer(server.port(), secret_bytes());
  REQUIRE(peer.send(start_frame()));
  // The first chunks of a 32 MiB message, then only pings, which keep a session alive.
  const sync::Frame big{sync::MessageKind::deltas, sync::Bytes(std::size_t{32} << 20, 7)};
  const auto chunks = sync::split_into_chunks(big, 1, std::size_t{1} << 20);
  for (std::size_t i = 0; i < 8; ++i) REQUIRE(peer.send(chunks[i]));
  bool closed = false;
  const auto deadline = std::chrono::steady_clock::now() + 40s;
  while (!closed && std::chrono::steady_clock::now() < deadline) {
    peer.send(sync::Frame{sync::MessageKind::ping, {}});
    closed = peer.closed_within(1s);
  }
  CHECK(closed);
  honest_sync_works(cli, server, secret);
  CHECK(server.log().find("received no chunk") != std::string::npos);
  CHECK(server.stop(SIGTERM) == 0);
}
