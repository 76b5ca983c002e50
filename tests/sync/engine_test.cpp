// The sync engine end to end on the simulated network: real stores, real sessions (handshake,
// MACs, the protocol), deterministic timing.
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
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
  NodeOptions options;
  persist::Options store_options;
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
  ReplicaId replica() {
    return store->with_store([](persist::Store& s) { return s.replica(); });
  }
  persist::Status status() {
    return store->with_store([](persist::Store& s) { return s.status(); });
  }
  // The established session with `peer`; fails the test when there is none or several.
  SessionReport session_with(TestNode& peer) {
    const ReplicaId id = peer.replica();
    std::vector<SessionReport> found;
    for (auto& session : engine->sessions()) {
      if (session.established && session.peer == id) found.push_back(session);
    }
    INFO(name << " has " << found.size() << " established sessions with " << peer.name);
    REQUIRE(found.size() == 1);
    return found.front();
  }
  // What `peer` has acknowledged of this node's log, as persisted; nullopt if it is not known.
  std::optional<std::uint64_t> acknowledged_by(TestNode& peer) {
    const ReplicaId id = peer.replica();
    for (const auto& info : status().peers) {
      if (info.id == id) return info.acknowledged;
    }
    return std::nullopt;
  }
};

class Cluster {
 public:
  explicit Cluster(std::uint64_t seed = 1) : network(seed) {}

  TestNode& node(const std::string& name, std::vector<std::string> peers = {},
                 NodeOptions options = {}, persist::Options store_options = {}) {
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
    store_options.durability = persist::Durability::normal;
    node->options = std::move(options);
    node->store_options = std::move(store_options);
    start(*node);
    return *node;
  }

  // Stops the node's engine and closes its store, runs `offline` on the store (as the `crdt`
  // command would on the file), then opens it and starts again: nothing of the engine's memory
  // (its cache of the log, its sessions) survives.
  void restart(TestNode& node, const std::function<void(persist::Store&)>& offline = {}) {
    node.engine->stop();
    node.engine.reset();
    node.store.reset();
    if (offline) {
      persist::Store store = persist::Store::open(node.file, node.store_options);
      offline(store);
    }
    start(node);
  }

  void run(std::uint64_t ms = 2000) { network.run_for(ms); }

  std::string last_log() const {
    std::string out;
    for (const auto& line : log) out += line + "\n";
    return out;
  }

  std::vector<std::string> log;
  crdt::test::TempDir dir{"crdt-engine"};

 private:
  void start(TestNode& node) {
    node.store =
        std::make_unique<persist::SharedStore>(persist::Store::open(node.file, node.store_options));
    auto& host = network.host(node.name);
    node.engine =
        std::make_unique<SyncEngine>(host.loop(), host.transport(), *node.store, node.options);
    node.engine->start();
  }

 public:
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

TEST_CASE("engine: a known peer resumes from the log only while it holds what the peer lacks",
          "[sync][engine]") {
  // A peer that acknowledged seq N needs the entries N+1 on. The log was truncated through T
  // (Status::truncated_through), so it still holds them iff N >= T; otherwise digests first.
  Cluster cluster;
  persist::Options hub_store;
  hub_store.fold_max_deltas = 0;  // every update folds: no pending delta holds truncation back
  hub_store.log_max_age = std::chrono::milliseconds(60'000);
  hub_store.time_source = [&cluster] { return 1'700'000'000'000ULL + cluster.network.now_ms(); };
  auto& hub = cluster.node("hub", {}, {}, hub_store);
  NodeOptions device_options;
  device_options.reconnect_max = std::chrono::milliseconds(500);  // back soon after healing
  auto& device = cluster.node("device", {"hub"}, device_options);
  hub.add("doc", "first");
  cluster.run();
  REQUIRE(device.elements("doc") == std::vector<std::string>{"first"});
  cluster.network.partition({{"hub"}, {"device"}});
  cluster.run(3000);
  const std::optional<std::uint64_t> acknowledged = hub.acknowledged_by(device);
  REQUIRE(acknowledged);
  REQUIRE(*acknowledged == hub.status().last_seq);

  // The hub restarts before the device returns: what it sends comes from the file's log, not
  // from the entries the running engine still had in memory.
  SECTION("acknowledged == truncated_through: the log has everything after it") {
    hub.add("later", "x");
    hub.add("doc", "second");
    cluster.restart(hub, [](persist::Store& s) { s.replication().truncate_log(); });
    REQUIRE(hub.status().truncated_through == *acknowledged);
    cluster.network.heal();
    cluster.run(3000);
    CHECK(device.elements("later") == std::vector<std::string>{"x"});
    CHECK(device.elements("doc") == std::vector<std::string>{"first", "second"});
    const SessionReport report = hub.session();
    CHECK(report.progress.state == OutboundState::streaming);
    CHECK(report.progress.digest_rounds == 0);
    CHECK(report.progress.repair_documents_sent == 0);
  }
  SECTION("acknowledged == truncated_through - 1: the entry after it is gone, digests repair") {
    hub.add("old", "aged-out");  // seq acknowledged + 1
    cluster.run(61'000);         // older than log_max_age
    hub.add("later", "x");
    cluster.restart(hub, [](persist::Store& s) { s.replication().truncate_log(); });
    REQUIRE(hub.status().truncated_through == *acknowledged + 1);
    cluster.network.heal();
    cluster.run(6000);  // a connect into the partition may wait out its 3 s timeout first
    CHECK(device.elements("old") == std::vector<std::string>{"aged-out"});
    CHECK(device.elements("later") == std::vector<std::string>{"x"});
    const SessionReport report = hub.session();
    CHECK(report.progress.digest_rounds >= 1);
    CHECK(report.progress.repair_documents_sent >= 1);
  }
}

TEST_CASE("engine: a compacted entry of mixed origins still reaches each origin",
          "[sync][engine]") {
  // The hub's write is lost on its way to the device while the device's write reaches the hub;
  // compaction then joins both into one entry. Labelled with the device as origin, that entry
  // would look like an echo to the device, which would never get the hub's write.
  Cluster cluster;
  auto& hub = cluster.node("hub");
  auto& device = cluster.node("device", {"hub"});
  hub.add("s", "first");
  cluster.run();
  REQUIRE(device.elements("s") == std::vector<std::string>{"first"});

  cluster.network.host("device").pause_reading(true);
  hub.add("s", "from-hub");
  device.add("s", "from-device");
  cluster.run(200);
  REQUIRE(hub.elements("s") == std::vector<std::string>{"first", "from-device", "from-hub"});
  cluster.network.partition({{"hub"}, {"device"}});  // what was on its way to the device is lost
  cluster.network.host("device").pause_reading(false);
  REQUIRE(device.elements("s") == std::vector<std::string>{"first", "from-device"});
  // The hub restarts and compacts its log meanwhile.
  std::size_t dropped = 0;
  cluster.restart(hub, [&](persist::Store& s) { dropped = s.replication().compact_log(); });
  REQUIRE(dropped == 1);

  cluster.network.heal();
  cluster.run(3000);
  CHECK(device.elements("s") == std::vector<std::string>{"first", "from-device", "from-hub"});
  // It came from the log, which is what the origin decides, not from a digest repair.
  CHECK(hub.session().progress.digest_rounds == 0);
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
    s.replication().truncate_log();
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
  // Every write below happens once the sessions are established, so it travels by the live
  // stream (the log since each peer's acknowledgement), where the no-echo rule applies.
  SECTION("a chain a-b-c relays through b and sends nothing back") {
    auto& a = cluster.node("a");
    auto& b = cluster.node("b", {"a"});
    auto& c = cluster.node("c", {"b"});  // a and c are not connected
    cluster.run(1000);
    REQUIRE(a.session_with(b).initial_sync_done);
    REQUIRE(c.session_with(b).initial_sync_done);

    a.add("s", "from-a");
    cluster.run(1000);
    CHECK(c.elements("s") == std::vector<std::string>{"from-a"});
    // a's delta went a -> b -> c, and b sent nothing back to a, nor c to b.
    CHECK(a.session_with(b).progress.items_sent == 1);
    CHECK(b.session_with(c).progress.items_sent == 1);
    CHECK(b.session_with(a).progress.items_sent == 0);
    CHECK(c.session_with(b).progress.items_sent == 0);
    CHECK(a.session_with(b).progress.items_received == 0);

    c.add("s", "from-c");
    cluster.run(1000);
    CHECK(a.elements("s") == std::vector<std::string>{"from-a", "from-c"});
    // The other way: c's delta reached a through b, and went no further back.
    CHECK(c.session_with(b).progress.items_sent == 1);
    CHECK(b.session_with(a).progress.items_sent == 1);
    CHECK(b.session_with(c).progress.items_sent == 1);
    CHECK(a.session_with(b).progress.items_sent == 1);
    CHECK(c.session_with(b).progress.items_received == 1);
  }
  SECTION("a mesh with a cycle a-b-c-a converges and then goes quiet") {
    auto& a = cluster.node("a");
    auto& b = cluster.node("b", {"a"});
    auto& c = cluster.node("c", {"b", "a"});
    cluster.run(1000);
    REQUIRE(b.session_with(a).initial_sync_done);
    REQUIRE(c.session_with(a).initial_sync_done);
    REQUIRE(c.session_with(b).initial_sync_done);

    a.add("s", "from-a");
    b.increment("n", 2);
    c.add("s", "from-c");
    cluster.run(2000);
    for (auto* node : {&a, &b, &c}) {
      INFO(node->name);
      CHECK(node->elements("s") == std::vector<std::string>{"from-a", "from-c"});
      CHECK(node->count("n") == 2);
    }
    // What every session has sent and acknowledged, and every log's head: none of it may move
    // once the writes have spread (a delta that changed nothing is neither logged nor relayed).
    auto traffic = [&] {
      std::vector<std::uint64_t> out;
      for (auto* node : {&a, &b, &c}) {
        out.push_back(node->status().last_seq);
        for (auto* peer : {&a, &b, &c}) {
          if (peer == node) continue;
          const SessionReport session = node->session_with(*peer);
          out.push_back(session.progress.items_sent);
          out.push_back(session.progress.items_received);
          out.push_back(session.progress.sent_to);
          out.push_back(session.progress.acknowledged);
        }
      }
      return out;
    };
    const std::vector<std::uint64_t> settled = traffic();
    // Each of the 3 writes was sent at most once over each of the 3 links in each direction.
    std::uint64_t items = 0;
    for (auto* node : {&a, &b, &c}) {
      for (const auto& session : node->engine->sessions()) items += session.progress.items_sent;
    }
    CHECK(items <= 3 * 6);
    cluster.run(3000);
    CHECK(traffic() == settled);
  }
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
        [](persist::Store& s) { return s.replication().conflict_state("x", "pncounter"); });
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

TEST_CASE("engine: the states subscribers are given are the states the store reads",
          "[sync][engine]") {
  Cluster cluster;
  auto& hub = cluster.node("hub");
  auto& device = cluster.node("device", {"hub"});
  std::map<std::string, DocumentState> heard;
  device.engine->subscriptions().add(device.engine->replica(), "",
                                     [&](const std::string& doc, const DocumentState&,
                                         const DocumentState& after) { heard[doc] = after; });
  const auto check = [&](const std::string& when) {
    for (const std::string doc : {"a", "b", "c", "mixed"}) {
      auto read = device.store->with_store(
          [&](persist::Store& s) { return s.replication().read_any(doc); });
      INFO(when << ": " << doc);
      REQUIRE(heard.count(doc) == 1);
      REQUIRE(bool(heard[doc]) == bool(read));
      if (read) CHECK(heard[doc]->same_state(*read));
    }
  };
  // Many small changes from both sides, several per poll, joined into the states heard before.
  for (int round = 0; round < 20; ++round) {
    hub.add("a", numbered("h", round));
    device.add("a", numbered("d", round));
    hub.add(round % 2 == 0 ? "b" : "c", numbered("x", round));
    if (round % 3 == 0) device.add("c", numbered("y", round));
    if (round == 0) {  // one id created as two types at once: a type conflict
      hub.add("mixed", "a set");
      device.increment("mixed");
    }
    cluster.run(round % 4 == 0 ? 5 : 300);
  }
  cluster.run();
  check("after the updates and a type conflict");
  CHECK(heard["mixed"]->type().tag() == "orset<string>");  // the smaller tag is the document
  // A removal: read whole, not joined.
  hub.store->with_store([](persist::Store& s) { s.remove("b"); });
  hub.engine->log_advanced();
  cluster.run();
  check("after a removal");
  hub.add("b", "again");
  cluster.run();
  check("after the removed document came back");
}

TEST_CASE("engine: a peer that stops reading is disconnected, others are served",
          "[sync][engine]") {
  Cluster cluster;
  NodeOptions options;
  options.max_send_queue = 64 * 1024;
  options.sync.batch_bytes = 8 * 1024;  // messages well below the queue bound
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
