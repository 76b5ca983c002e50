#include "support/sim_network.hpp"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

using crdt::sync::Address;
using crdt::sync::Bytes;
using crdt::sync::ByteView;
using crdt::sync::Connection;
using crdt::sync::TimerId;
using crdt::sync::test::SimFaults;
using crdt::sync::test::SimHost;
using crdt::sync::test::SimNetwork;
using crdt::sync::test::SimStats;
using namespace std::chrono_literals;

namespace {

struct Recorder : Connection::Handler {
  std::vector<Bytes> received;
  std::vector<std::string> closes;

  void on_bytes(ByteView bytes) override { received.emplace_back(bytes.begin(), bytes.end()); }
  void on_closed(const std::string& reason) override { closes.push_back(reason); }
};

// Both ends of one connection, started with a Recorder each. Not movable: the handlers' addresses
// are registered.
struct Pair {
  std::shared_ptr<Connection> client;
  std::shared_ptr<Connection> server;
  Recorder client_in;
  Recorder server_in;
};

std::unique_ptr<Pair> connect_pair(SimNetwork& network, const std::string& from,
                                   const std::string& to, std::uint16_t port = 7000) {
  auto pair = std::make_unique<Pair>();
  Pair* raw = pair.get();
  auto listening = network.host(to).transport().listen({to, port}, [raw](auto connection) {
    raw->server = connection;
    connection->start(raw->server_in);
  });
  REQUIRE(listening.bound);
  std::string error = "not called";
  network.host(from).transport().connect({to, port}, [&](auto connection, const auto& e) {
    error = e;
    raw->client = connection;
    if (connection) connection->start(raw->client_in);
  });
  network.run_for(network.faults().max_latency_ms + 1);
  REQUIRE(error.empty());
  REQUIRE(pair->client);
  REQUIRE(pair->server);
  return pair;
}

// Unit i carries i in its first four bytes, then a fixed filler.
Bytes numbered(std::uint32_t i) {
  return {static_cast<std::uint8_t>(i >> 24),
          static_cast<std::uint8_t>(i >> 16),
          static_cast<std::uint8_t>(i >> 8),
          static_cast<std::uint8_t>(i),
          0xA5,
          0x5A,
          0xC3,
          0x3C};
}

std::uint32_t number_of(const Bytes& unit) {
  REQUIRE(unit.size() == 8);
  return std::uint32_t{unit[0]} << 24 | std::uint32_t{unit[1]} << 16 | std::uint32_t{unit[2]} << 8 |
         std::uint32_t{unit[3]};
}

std::vector<std::uint32_t> numbers_of(const std::vector<Bytes>& units) {
  std::vector<std::uint32_t> numbers;
  for (const auto& unit : units) numbers.push_back(number_of(unit));
  return numbers;
}

// Sends units 0..count-1 from client to server, one per millisecond, then lets them all arrive.
void send_numbered(SimNetwork& network, Pair& pair, std::uint32_t count) {
  for (std::uint32_t i = 0; i < count; ++i) {
    REQUIRE(pair.client->send(numbered(i)));
    network.run_for(1);
  }
  network.run_for(network.faults().max_latency_ms + 1);
}

// A small node: a hub echoes what devices send; devices send on a timer and redial after a close.
class Device : public Connection::Handler {
 public:
  Device(SimHost& host, Address hub) : host_(host), hub_(std::move(hub)) { dial(); }
  ~Device() override {
    host_.loop().cancel(timer_);
    if (connection_) connection_->close("device gone");
  }

  void on_bytes(ByteView bytes) override { echoed_ += bytes.size(); }
  void on_closed(const std::string&) override {
    connection_.reset();
    host_.loop().cancel(timer_);
    timer_ = host_.loop().schedule(50ms, [this] { dial(); });
  }

 private:
  void dial() {
    host_.transport().connect(hub_, [this](auto connection, const auto&) {
      if (!connection) {
        timer_ = host_.loop().schedule(50ms, [this] { dial(); });
        return;
      }
      connection_ = connection;
      connection_->start(*this);
      tick();
    });
  }
  void tick() {
    connection_->send(Bytes(1 + sent_ % 40, static_cast<std::uint8_t>(sent_)));
    ++sent_;
    timer_ = host_.loop().schedule(7ms, [this] { tick(); });
  }

  SimHost& host_;
  Address hub_;
  std::shared_ptr<Connection> connection_;
  TimerId timer_ = 0;
  std::size_t sent_ = 0;
  std::size_t echoed_ = 0;
};

class Hub {
 public:
  explicit Hub(SimHost& host) {
    auto bound = host.transport().listen({host.name(), 7000}, [this](auto connection) {
      sessions_.push_back(std::make_unique<Session>(connection));
    });
    REQUIRE(bound.bound);
  }

 private:
  struct Session : Connection::Handler {
    explicit Session(std::shared_ptr<Connection> c) : connection(std::move(c)) {
      connection->start(*this);
    }
    void on_bytes(ByteView bytes) override { connection->send(Bytes(bytes.begin(), bytes.end())); }
    void on_closed(const std::string&) override {}
    std::shared_ptr<Connection> connection;
  };
  std::vector<std::unique_ptr<Session>> sessions_;
};

struct Run {
  std::string trace;
  SimStats stats;
};

Run run_schedule(std::uint64_t seed) {
  SimFaults faults;
  faults.min_latency_ms = 2;
  faults.max_latency_ms = 30;
  faults.drop = 0.02;
  faults.duplicate = 0.02;
  faults.reorder = 0.02;
  faults.corrupt = 0.02;
  faults.disconnect = 0.005;
  SimNetwork network(seed, faults);
  network.trace(true);
  Hub hub(network.host("hub"));
  std::vector<std::unique_ptr<Device>> devices;
  for (const char* name : {"d1", "d2", "d3"}) {
    devices.push_back(std::make_unique<Device>(network.host(name), Address{"hub", 7000}));
  }
  network.run_for(400);
  network.partition({{"hub", "d1"}, {"d2", "d3"}});
  network.run_for(300);
  network.heal();
  network.run_for(300);
  return {network.trace_text(), network.stats()};
}

}  // namespace

TEST_CASE("SimNetwork: the same seed replays the same schedule, another seed differs", "[sim]") {
  Run first = run_schedule(42);
  Run again = run_schedule(42);
  Run other = run_schedule(43);
  INFO(first.stats.str());
  CHECK(first.stats.units_delivered > 100);
  CHECK(first.stats.disconnects + first.stats.partition_breaks > 0);
  CHECK(first.trace == again.trace);
  CHECK(first.stats == again.stats);
  CHECK(first.trace != other.trace);
}

TEST_CASE("SimNetwork: without faults every unit arrives once, in order", "[sim]") {
  SimFaults faults;
  faults.min_latency_ms = 1;
  faults.max_latency_ms = 50;  // far wider than the gap between sends
  SimNetwork network(7, faults);
  auto pair = connect_pair(network, "a", "b");
  send_numbered(network, *pair, 300);
  // And the other direction, interleaved with nothing: same guarantee.
  for (std::uint32_t i = 0; i < 50; ++i) REQUIRE(pair->server->send(numbered(i)));
  network.run_for(60);

  std::vector<std::uint32_t> expected(300);
  for (std::uint32_t i = 0; i < 300; ++i) expected[i] = i;
  CHECK(numbers_of(pair->server_in.received) == expected);
  expected.resize(50);
  CHECK(numbers_of(pair->client_in.received) == expected);
  CHECK(network.stats().units_sent == 350);
  CHECK(network.stats().units_delivered == 350);
  CHECK(network.stats().bytes_delivered == 350 * 8);
  CHECK(pair->client->queued_bytes() == 0);
  CHECK(pair->server_in.closes.empty());
}

TEST_CASE("SimNetwork: each fault shows in the stats and in what arrives", "[sim]") {
  SimFaults faults;
  faults.max_latency_ms = 20;
  constexpr std::uint32_t kUnits = 400;

  SECTION("drop") {
    faults.drop = 0.2;
    SimNetwork network(1, faults);
    auto pair = connect_pair(network, "a", "b");
    send_numbered(network, *pair, kUnits);
    auto got = numbers_of(pair->server_in.received);
    CHECK(network.stats().units_dropped > 0);
    CHECK(got.size() == kUnits - network.stats().units_dropped);
    CHECK(std::adjacent_find(got.begin(), got.end(), std::greater_equal<>()) == got.end());
  }
  SECTION("duplicate") {
    faults.duplicate = 0.2;
    SimNetwork network(2, faults);
    auto pair = connect_pair(network, "a", "b");
    send_numbered(network, *pair, kUnits);
    auto got = numbers_of(pair->server_in.received);
    CHECK(network.stats().units_duplicated > 0);
    CHECK(got.size() == kUnits + network.stats().units_duplicated);
    CHECK(std::is_sorted(got.begin(), got.end()));
    got.erase(std::unique(got.begin(), got.end()), got.end());
    CHECK(got.size() == kUnits);
  }
  SECTION("reorder") {
    faults.reorder = 0.2;
    SimNetwork network(3, faults);
    auto pair = connect_pair(network, "a", "b");
    send_numbered(network, *pair, kUnits);
    auto got = numbers_of(pair->server_in.received);
    std::uint64_t inversions = 0;
    for (std::size_t i = 0; i < got.size(); ++i) {
      for (std::size_t j = i + 1; j < got.size(); ++j) inversions += got[i] > got[j] ? 1 : 0;
    }
    CHECK(network.stats().units_reordered > 0);
    // Each swap lets the newest unit overtake exactly one older unit.
    CHECK(inversions == network.stats().units_reordered);
    std::sort(got.begin(), got.end());
    CHECK(got.size() == kUnits);
    CHECK(std::adjacent_find(got.begin(), got.end()) == got.end());
  }
  SECTION("corrupt") {
    faults.corrupt = 0.2;
    SimNetwork network(4, faults);
    auto pair = connect_pair(network, "a", "b");
    send_numbered(network, *pair, kUnits);
    const auto& got = pair->server_in.received;
    REQUIRE(got.size() == kUnits);  // corruption neither drops nor reorders
    std::uint64_t damaged = 0;
    for (std::uint32_t i = 0; i < kUnits; ++i) {
      Bytes sent = numbered(i);
      int flipped = 0;
      for (std::size_t k = 0; k < sent.size(); ++k)
        flipped += std::popcount(unsigned(sent[k] ^ got[i][k]));
      CHECK(flipped <= 1);
      damaged += flipped == 1 ? 1 : 0;
    }
    CHECK(damaged > 0);
    CHECK(damaged == network.stats().units_corrupted);
  }
  SECTION("disconnect") {
    faults.disconnect = 0.02;
    SimNetwork network(5, faults);
    auto pair = connect_pair(network, "a", "b");
    std::uint32_t sent = 0;
    while (pair->client_in.closes.empty() && sent < kUnits) {
      if (pair->client->send(numbered(sent))) ++sent;
      network.run_for(1);
    }
    network.run_for(faults.max_latency_ms + 1);
    CHECK(network.stats().disconnects == 1);
    CHECK(pair->client_in.closes == std::vector<std::string>{"simulated disconnect"});
    CHECK(pair->server_in.closes == std::vector<std::string>{"simulated disconnect"});
    CHECK_FALSE(pair->client->send(numbered(0)));
    // What arrived is a prefix of what was sent: the rest was lost with the connection.
    auto got = numbers_of(pair->server_in.received);
    CHECK(got.size() < sent);
    for (std::uint32_t i = 0; i < got.size(); ++i) CHECK(got[i] == i);
  }
}

TEST_CASE("SimNetwork: a partition blocks, heal restores", "[sim]") {
  SimFaults faults;
  faults.connect_timeout_ms = 500;
  SimNetwork network(11, faults);
  auto pair = connect_pair(network, "a", "b");
  for (std::uint32_t i = 0; i < 5; ++i) REQUIRE(pair->client->send(numbered(i)));

  network.partition({{"a"}, {"b", "c"}});
  CHECK_FALSE(network.reachable("a", "b"));
  CHECK(network.reachable("b", "c"));
  network.run_for(100);
  CHECK(pair->server_in.received.empty());  // units in flight were lost
  CHECK(network.stats().units_lost == 5);
  CHECK(pair->client_in.closes == std::vector<std::string>{"simulated partition"});
  CHECK(pair->server_in.closes == std::vector<std::string>{"simulated partition"});

  std::string error;
  std::uint64_t failed_at = 0;
  std::uint64_t started = network.now_ms();
  network.host("a").transport().connect({"b", 7000}, [&](auto connection, const auto& e) {
    CHECK_FALSE(connection);
    error = e;
    failed_at = network.now_ms();
  });
  network.run_for(400);
  CHECK(error.empty());  // still waiting
  network.run_for(200);
  CHECK(error == "connection timed out");
  CHECK(failed_at == started + 500);

  // Inside one group nothing changed.
  auto same_side = connect_pair(network, "c", "b", 7001);
  REQUIRE(same_side->client->send(numbered(1)));
  network.run_for(20);
  CHECK(same_side->server_in.received.size() == 1);

  network.heal();
  auto healed = connect_pair(network, "a", "b", 7002);
  REQUIRE(healed->client->send(numbered(9)));
  network.run_for(20);
  CHECK(numbers_of(healed->server_in.received) == std::vector<std::uint32_t>{9});
}

TEST_CASE("SimNetwork: a crash resets the peers and drops the host's timers", "[sim]") {
  SimNetwork network(21);
  auto pair = connect_pair(network, "dev", "hub");
  SimHost& hub = network.host("hub");
  bool timer_ran = false;
  bool post_ran = false;
  hub.loop().schedule(100ms, [&] { timer_ran = true; });
  hub.loop().post([&] { post_ran = true; });
  REQUIRE(pair->client->send(numbered(1)));

  hub.crash();
  CHECK_FALSE(pair->server->send(numbered(2)));  // the dead side's connection is closed
  network.run_for(200);
  CHECK_FALSE(timer_ran);
  CHECK_FALSE(post_ran);
  CHECK(pair->client_in.closes == std::vector<std::string>{"connection reset by peer"});
  CHECK(pair->server_in.closes.empty());  // a crashed host's handlers are never called
  CHECK(pair->server_in.received.empty());
  CHECK(network.stats().crashes == 1);

  // Its listener is gone, then the host comes back.
  std::string error;
  network.host("dev").transport().connect({"hub", 7000}, [&](auto, const auto& e) { error = e; });
  network.run_for(20);
  CHECK(error == "connection refused");
  hub.loop().post([&] { post_ran = true; });
  auto again = connect_pair(network, "dev", "hub");
  CHECK(post_ran);
  REQUIRE(again->client->send(numbered(3)));
  network.run_for(20);
  CHECK(numbers_of(again->server_in.received) == std::vector<std::uint32_t>{3});
}

TEST_CASE("SimNetwork: close delivers what is in flight, then on_closed once on each side",
          "[sim]") {
  SimNetwork network(31);
  auto pair = connect_pair(network, "a", "b");
  for (std::uint32_t i = 0; i < 3; ++i) REQUIRE(pair->client->send(numbered(i)));
  pair->client->close("done");
  CHECK(pair->client_in.closes.empty());  // never inside close()
  CHECK_FALSE(pair->client->send(numbered(9)));
  pair->client->close("twice");
  network.run_for(50);
  CHECK(numbers_of(pair->server_in.received) == std::vector<std::uint32_t>{0, 1, 2});
  CHECK(pair->client_in.closes == std::vector<std::string>{"done"});
  CHECK(pair->server_in.closes == std::vector<std::string>{"closed by peer"});
  CHECK_FALSE(pair->server->send(numbered(9)));

  SECTION("shutdown closes the transport's connections and its listener") {
    auto other = connect_pair(network, "a", "b", 7001);
    network.host("b").transport().shutdown();
    network.run_for(50);
    CHECK(other->server_in.closes == std::vector<std::string>{"transport shut down"});
    CHECK(other->client_in.closes == std::vector<std::string>{"closed by peer"});
    std::string error;
    network.host("a").transport().connect({"b", 7001}, [&](auto, const auto& e) { error = e; });
    network.run_for(50);
    CHECK(error == "connection refused");
  }
}

TEST_CASE("SimNetwork: a detached connection never calls its handler again", "[sim]") {
  SimNetwork network(35);
  auto pair = connect_pair(network, "a", "b");
  REQUIRE(pair->client->send(numbered(1)));
  REQUIRE(pair->server->send(numbered(2)));
  pair->server->detach();
  CHECK_FALSE(pair->server->send(numbered(3)));
  network.run_for(50);
  CHECK(pair->server_in.received.empty());
  CHECK(pair->server_in.closes.empty());
  // The peer still gets what the detached side sent before, then the close.
  CHECK(numbers_of(pair->client_in.received) == std::vector<std::uint32_t>{2});
  CHECK(pair->client_in.closes == std::vector<std::string>{"closed by peer"});
}

TEST_CASE("SimNetwork: no callback runs inside send, close, connect or post", "[sim]") {
  SimFaults faults;
  faults.duplicate = 0.1;
  SimNetwork network(41, faults);
  bool inside = false;
  int callbacks = 0;
  auto guarded = [&](auto&& call) {
    inside = true;
    call();
    inside = false;
  };

  struct Echo : Connection::Handler {
    std::shared_ptr<Connection> connection;
    std::function<void()> on_callback;
    std::function<void(std::function<void()>)> guard;
    int seen = 0;
    void on_bytes(ByteView bytes) override {
      on_callback();
      Bytes copy(bytes.begin(), bytes.end());
      guard([&] { connection->send(copy); });
      if (++seen == 30) guard([&] { connection->close("enough"); });
    }
    void on_closed(const std::string&) override { on_callback(); }
  };
  Echo client;
  Echo server;
  for (Echo* echo : {&client, &server}) {
    echo->on_callback = [&] {
      CHECK_FALSE(inside);
      ++callbacks;
    };
    echo->guard = guarded;
  }
  SimHost& b = network.host("b");
  REQUIRE(b.transport()
              .listen({"b", 7000},
                      [&](auto connection) {
                        client.on_callback();
                        server.connection = connection;
                        guarded([&] { connection->start(server); });
                      })
              .bound);
  guarded([&] {
    network.host("a").transport().connect({"nobody", 1},
                                          [&](auto, const auto&) { client.on_callback(); });
    network.host("a").transport().connect({"b", 7000}, [&](auto connection, const auto&) {
      client.on_callback();
      client.connection = connection;
      guarded([&] {
        connection->start(client);
        connection->send(numbered(0));
      });
    });
    network.host("a").loop().post([&] { client.on_callback(); });
  });
  CHECK(callbacks == 0);
  network.run_for(2000);
  CHECK(callbacks > 60);  // the echo ran until a side closed
  CHECK(client.seen + server.seen >= 59);
  CHECK(network.stats().units_duplicated > 0);
}

TEST_CASE("SimNetwork: a peer that stops reading fills the sender's queue", "[sim]") {
  SimNetwork network(51);
  network.set_max_queued_bytes(1000);
  auto pair = connect_pair(network, "a", "b");
  network.host("b").pause_reading(true);

  Bytes unit(100, 7);
  int accepted = 0;
  while (accepted < 100 && pair->client->send(unit)) ++accepted;
  CHECK(accepted == 10);
  CHECK(pair->client->queued_bytes() == 1000);
  CHECK(pair->client->max_queued_bytes() == 1000);
  CHECK(network.stats().sends_refused == 1);

  network.run_for(500);
  CHECK(pair->server_in.received.empty());
  CHECK(pair->client->queued_bytes() == 1000);
  CHECK_FALSE(pair->client->send(Bytes(1, 0)));
  CHECK(pair->server->send(unit));  // the other direction is unaffected
  network.run_for(20);
  CHECK(pair->client_in.received.size() == 1);

  network.host("b").pause_reading(false);
  network.run_for(20);
  CHECK(pair->server_in.received.size() == 10);
  CHECK(pair->client->queued_bytes() == 0);
  CHECK(pair->client->send(unit));
  CHECK_FALSE(pair->client->send(Bytes(1001, 0)));  // larger than the whole queue
}

TEST_CASE("SimNetwork: loops run timers in (time, insertion) order on the virtual clock", "[sim]") {
  SimNetwork network(61);
  auto& loop = network.host("n").loop();
  std::vector<std::string> order;
  loop.schedule(10ms, [&] { order.push_back("t10a"); });
  TimerId cancelled = loop.schedule(5ms, [&] { order.push_back("cancelled"); });
  loop.schedule(10ms, [&] {
    order.push_back("t10b");
    loop.post([&] { order.push_back("posted at 10"); });
  });
  loop.schedule(10ms, [&] { order.push_back("t10c"); });
  loop.post([&] { order.push_back("post"); });
  loop.cancel(cancelled);
  loop.cancel(0);
  CHECK(order.empty());

  CHECK(network.run_until_idle(1000));
  CHECK(order == std::vector<std::string>{"post", "t10a", "t10b", "t10c", "posted at 10"});
  CHECK(network.now_ms() == 10);  // stopped when idle, not at the bound
  CHECK(loop.now_ms() == 10);

  std::function<void()> tick = [&] { loop.schedule(10ms, tick); };
  tick();
  CHECK_FALSE(network.run_until_idle(100));
  CHECK(network.now_ms() == 110);
}

TEST_CASE("SimNetwork: listen and connect report failures as text", "[sim]") {
  SimNetwork network(71);
  auto& transport = network.host("hub").transport();
  auto noop = [](auto) {};
  CHECK_FALSE(transport.listen({"elsewhere", 7000}, noop).bound);
  CHECK(transport.listen({"hub", 7000}, noop).bound == Address{"hub", 7000});
  auto busy = transport.listen({"hub", 7000}, noop);
  CHECK_FALSE(busy.bound);
  CHECK_FALSE(busy.error.empty());
  auto any = transport.listen({"hub", 0}, noop);
  REQUIRE(any.bound);
  CHECK(any.bound->port != 0);
  CHECK(any.bound->port != 7000);

  std::vector<std::string> errors;
  for (Address to : {Address{"hub", 7001}, Address{"ghost", 7000}}) {
    network.host("dev").transport().connect(to, [&](auto connection, const auto& error) {
      CHECK_FALSE(connection);
      errors.push_back(error);
    });
  }
  CHECK(errors.empty());
  network.run_for(network.faults().max_latency_ms);
  CHECK(errors == std::vector<std::string>{"connection refused", "connection refused"});
  CHECK(network.stats().connects_refused == 2);
}
