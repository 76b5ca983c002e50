// The sync engine end to end on the simulated network: real stores, real sessions (handshake,
// MACs, the protocol), deterministic timing.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "crdt/or_set.hpp"
#include "crdt/persist/shared_store.hpp"
#include "crdt/pn_counter.hpp"
#include "crdt/serialization/all.hpp"
#include "support/sim_network.hpp"
#include "support/temp_dir.hpp"
#include "sync_engine.hpp"

using namespace crdt;
using namespace crdt::sync;
using crdt::sync::test::SimNetwork;

namespace {

using Set = ORSet<std::string>;

// prefix + number, built with += (g++ 12 warns falsely on "literal" + std::string).
std::string numbered(std::string prefix, int n) {
  prefix += std::to_string(n);
  return prefix;
}

struct TestNode {
  std::string name;
  std::string file;
  std::unique_ptr<persist::SharedStore> store;
  std::unique_ptr<SyncEngine> engine;

  void add(const std::string& doc, const std::string& element) {
    store->update<Set>(doc,
                       [&](Set& s, persist::Writer& w) { return s.add(w.replica(), element); });
    engine->log_advanced();
  }
  void increment(const std::string& doc, std::uint64_t n = 1) {
    store->update<PNCounter>(
        doc, [&](PNCounter& c, persist::Writer& w) { return c.increment(w.replica(), n); });
    engine->log_advanced();
  }
  std::vector<std::string> elements(const std::string& doc) {
    auto set = store->read<Set>(doc);
    if (!set) return {};
    auto values = set->value();
    return std::vector<std::string>(values.begin(), values.end());
  }
  std::int64_t count(const std::string& doc) {
    auto counter = store->read<PNCounter>(doc);
    return counter ? counter->value() : 0;
  }
  SessionReport session() {
    auto sessions = engine->sessions();
    REQUIRE(sessions.size() == 1);
    return sessions.front();
  }
};

class Cluster {
 public:
  explicit Cluster(std::uint64_t seed = 1) : network(seed) {}

  TestNode& node(const std::string& name, std::vector<std::string> peers = {},
                 NodeOptions options = {}) {
    auto& node = nodes.emplace_back(std::make_unique<TestNode>());
    node->name = name;
    node->file = dir.file(name);
    options.listen = {Address{name, 7000}};
    for (const auto& peer : peers) options.peers.push_back(Address{peer, 7000});
    options.poll_interval = std::chrono::milliseconds(20);
    options.ack_interval = std::chrono::milliseconds(20);
    options.seed = nodes.size();
    options.log = [this, name](std::string_view line) {
      log.push_back(name + ": " + std::string(line));
      if (log.size() > 40) log.erase(log.begin());
    };
    persist::Options store_options;
    store_options.durability = persist::Durability::normal;
    node->store =
        std::make_unique<persist::SharedStore>(persist::Store::open(node->file, store_options));
    auto& host = network.host(name);
    node->engine = std::make_unique<SyncEngine>(host.loop(), host.transport(), *node->store,
                                                std::move(options));
    node->engine->start();
    return *node;
  }

  void run(std::uint64_t ms = 2000) { network.run_for(ms); }

  std::string last_log() const {
    std::string out;
    for (const auto& line : log) out += line + "\n";
    return out;
  }

  std::vector<std::string> log;
  crdt::test::TempDir dir{"crdt-engine"};
  SimNetwork network;
  std::vector<std::unique_ptr<TestNode>> nodes;
};

}  // namespace

TEST_CASE("engine: a hub and a device sync both ways", "[sync][engine]") {
  Cluster cluster;
  auto& hub = cluster.node("hub");
  auto& device = cluster.node("device", {"hub"});
  hub.add("cart", "milk");
  device.add("cart", "eggs");
  device.increment("clicks", 3);
  cluster.run();
  CHECK(hub.elements("cart") == std::vector<std::string>{"eggs", "milk"});
  CHECK(device.elements("cart") == std::vector<std::string>{"eggs", "milk"});
  CHECK(hub.count("clicks") == 3);
  CHECK(device.engine->dialed_peers_synced());
  // Live: a later write is pushed at once.
  hub.increment("clicks", 2);
  cluster.run(200);
  CHECK(device.count("clicks") == 5);
}

TEST_CASE("engine: a device back online resumes from the log", "[sync][engine]") {
  Cluster cluster;
  auto& hub = cluster.node("hub");
  auto& device = cluster.node("device", {"hub"});
  hub.add("doc/0", "first");
  cluster.run();
  REQUIRE(device.elements("doc/0").size() == 1);
  cluster.network.partition({{"hub"}, {"device"}});
  cluster.run(3000);
  for (int i = 0; i < 200; ++i) hub.add(numbered("doc/", i % 10), numbered("e", i));
  cluster.network.heal();
  cluster.run(5000);
  for (int d = 0; d < 10; ++d) CHECK(device.elements("doc/" + std::to_string(d)).size() >= 20);
  // The hub knew this device: no digests, only the log since its acknowledgement.
  const SessionReport report = hub.session();
  CHECK(report.progress.state == OutboundState::streaming);
  CHECK(report.progress.digest_rounds == 0);
  CHECK(report.progress.items_sent <= 12);  // joined per document
}

TEST_CASE("engine: a new peer is repaired by digests that grow with the differences",
          "[sync][engine]") {
  Cluster cluster;
  auto& a = cluster.node("a");
  a.store->with_store([](persist::Store& s) {
    s.batch([](persist::Batch& batch) {
      for (int i = 0; i < 10000; ++i) {
        batch.update<PNCounter>("doc/" + std::to_string(i), [](PNCounter& c, persist::Writer& w) {
          return c.increment(w.replica(), 1);
        });
      }
    });
    s.truncate_log();
  });
  // b starts as a copy of a (it takes a new replica id), then a changes 10 documents.
  const std::string copy = cluster.dir.file("b");
  a.store->with_store([](persist::Store& s) { s.fold_all(); });
  for (const char* suffix : {"", "-wal"}) {
    std::error_code ignored;
    std::filesystem::copy_file(a.file + suffix, copy + suffix, ignored);
  }
  for (int i = 0; i < 10; ++i) a.increment("doc/" + std::to_string(i * 997), 5);
  auto& b = cluster.node("b", {"a"});
  cluster.run(3000);
  for (int i = 0; i < 10; ++i) CHECK(b.count("doc/" + std::to_string(i * 997)) == 6);
  const SessionReport report = a.session();
  INFO("digest bytes sent " << report.progress.digest_bytes_sent << ", received "
                            << report.progress.digest_bytes_received);
  CHECK(report.progress.digest_rounds >= 1);
  CHECK(report.progress.repair_documents_sent == 10);
  // Far below a list of 10,000 documents (16+ bytes each).
  CHECK(report.progress.digest_bytes_sent + report.progress.digest_bytes_received < 16000);
}

TEST_CASE("engine: a chain relays without echo and a mesh quiesces", "[sync][engine]") {
  Cluster cluster;
  auto& a = cluster.node("a");
  auto& b = cluster.node("b", {"a"});
  auto& c = cluster.node("c", {"b", "a"});  // a cycle a-b-c-a
  a.add("s", "from-a");
  c.add("s", "from-c");
  cluster.run(3000);
  CHECK(b.elements("s") == std::vector<std::string>{"from-a", "from-c"});
  CHECK(a.elements("s") == c.elements("s"));
  auto items = [&] {
    std::uint64_t total = 0;
    for (auto* node : {&a, &b, &c}) {
      for (const auto& session : node->engine->sessions()) total += session.progress.items_sent;
    }
    return total;
  };
  const std::uint64_t settled = items();
  cluster.run(3000);
  CHECK(items() == settled);  // nothing keeps circulating
}

TEST_CASE("engine: one id with two types is presented the same on both sides", "[sync][engine]") {
  Cluster cluster;
  auto& a = cluster.node("a");
  auto& b = cluster.node("b", {"a"});
  std::vector<std::string> reported;
  b.engine->subscriptions().add_conflict_listener(
      [&](const std::string& doc, const std::string& type) {
        reported.push_back(doc + ":" + type);
      });
  a.add("x", "element");
  b.increment("x", 4);
  cluster.run();
  // The set's type tag sorts before the counter's: the set is the document on both, although b
  // created its counter first; the counter is kept beside it, with b's increments, on both.
  for (auto* node : {&a, &b}) {
    CHECK(node->elements("x") == std::vector<std::string>{"element"});
    const auto conflicts = node->store->with_store([](persist::Store& s) { return s.conflicts(); });
    REQUIRE(conflicts.size() == 1);
    CHECK(conflicts.front().id == "x");
    CHECK(conflicts.front().type == "pncounter");
    const auto kept = node->store->with_store(
        [](persist::Store& s) { return s.conflict_state("x", "pncounter"); });
    REQUIRE(kept.has_value());
    CHECK(serialization::decode<PNCounter>(*kept).value().value() == 4);
    CHECK(node->engine->status_json().find("\"conflicts\":[{\"doc\":\"x\"") != std::string::npos);
  }
  CHECK(reported == std::vector<std::string>{"x:orset<string>"});
}

TEST_CASE("engine: a device subscribed to a prefix gets only those documents", "[sync][engine]") {
  Cluster cluster;
  auto& hub = cluster.node("hub");
  NodeOptions options;
  options.subscribe = {"user1/"};
  auto& phone = cluster.node("phone", {"hub"}, options);
  hub.add("user1/cart", "a");
  hub.add("user2/cart", "b");
  cluster.run();
  CHECK(phone.elements("user1/cart") == std::vector<std::string>{"a"});
  CHECK(phone.elements("user2/cart").empty());
  hub.add("user2/cart", "c");
  hub.add("user1/cart", "d");
  cluster.run(500);
  CHECK(phone.elements("user1/cart").size() == 2);
  CHECK(phone.elements("user2/cart").empty());
}

TEST_CASE("engine: subscribers hear local and remote changes", "[sync][engine]") {
  Cluster cluster;
  auto& hub = cluster.node("hub");
  auto& device = cluster.node("device", {"hub"});
  std::vector<std::string> heard;
  device.engine->subscriptions().add(
      device.engine->replica(), "cart",
      [&](const std::string& doc, const DocumentState& before, const DocumentState& after) {
        heard.push_back(doc + (before ? " changed" : " created") + (after ? "" : " removed"));
      });
  hub.add("cart", "milk");
  hub.add("other", "x");
  cluster.run();
  device.add("cart", "eggs");
  cluster.run(200);
  CHECK(heard == std::vector<std::string>{"cart created", "cart changed"});
}

TEST_CASE("engine: a peer that stops reading is disconnected, others are served",
          "[sync][engine]") {
  Cluster cluster;
  NodeOptions options;
  options.max_send_queue = 64 * 1024;
  options.batch_bytes = 8 * 1024;  // messages well below the queue bound
  options.idle_timeout = std::chrono::milliseconds(1000);
  auto& hub = cluster.node("hub", {}, options);
  auto& slow = cluster.node("slow", {"hub"});
  auto& fast = cluster.node("fast", {"hub"});
  cluster.run(500);
  cluster.network.set_max_queued_bytes(64 * 1024);
  cluster.network.host("slow").pause_reading(true);
  for (int i = 0; i < 300; ++i)
    hub.add("big", numbered(std::string(1000, static_cast<char>('a' + i % 26)), i));
  cluster.run(3000);
  CHECK(fast.elements("big").size() == 300);
  // The window kept what waits for the slow peer bounded; its silence then closed its session.
  CHECK(hub.engine->sessions_closed() >= 1);
  CHECK(cluster.network.stats().sends_refused == 0);
  cluster.network.host("slow").pause_reading(false);
  cluster.run(5000);
  INFO(cluster.last_log());
  CHECK(slow.elements("big").size() == 300);
}
