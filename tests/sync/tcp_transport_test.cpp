// Real TCP on 127.0.0.1 (port 0), with the loop on its own thread. Callbacks only record what they
// see; the test thread reads those records through on_loop(), so every read is ordered after the
// writes it depends on, and Catch2 assertions stay on the test thread.
#include "tcp_transport.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <catch2/catch.hpp>

#include "asio_event_loop.hpp"
#include "sync_test_support.hpp"
#include "transport.hpp"

namespace {

using namespace std::chrono_literals;
using crdt::sync::Address;
using crdt::sync::AsioEventLoop;
using crdt::sync::Bytes;
using crdt::sync::ByteView;
using crdt::sync::Connection;
using crdt::sync::TcpOptions;
using crdt::sync::TcpTransport;
using crdt::sync::TimerId;
using crdt::sync::test::seeded_bytes;

// How long a test waits for something that should take milliseconds: a liveness bound only.
constexpr auto kPatience = 5s;

// Runs fn on the loop thread and returns its result.
template <typename F>
auto on_loop(AsioEventLoop& loop, F fn) -> decltype(fn()) {
  using Result = decltype(fn());
  auto task = std::make_shared<std::packaged_task<Result()>>(std::move(fn));
  auto result = task->get_future();
  loop.post([task] { (*task)(); });
  REQUIRE(result.wait_for(kPatience) == std::future_status::ready);
  return result.get();
}

// Polls `condition` on the loop until it holds; false if it never does within kPatience.
template <typename F>
bool eventually(AsioEventLoop& loop, F condition) {
  const auto give_up = std::chrono::steady_clock::now() + kPatience;
  while (!on_loop(loop, condition)) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

// Stops the loop first when a test unwinds, so that nothing it declared later is destroyed while
// the loop thread may still use it. Declared after everything the loop's callbacks touch.
struct StopLoopFirst {
  AsioEventLoop& loop;
  ~StopLoopFirst() {
    try {
      loop.stop_and_join();
    } catch (...) {  // the test has already failed; the failure it reports is the useful one
    }
  }
};

struct Recorder final : Connection::Handler {
  std::thread::id loop_thread;
  Bytes received;
  int closes = 0;
  std::string reason;
  bool off_loop = false;
  // Set by a test around its own send() and close() calls: a callback inside them is re-entrant.
  bool in_call = false;
  bool reentered = false;

  void on_bytes(ByteView bytes) override {
    note();
    received.insert(received.end(), bytes.begin(), bytes.end());
  }
  void on_closed(const std::string& why) override {
    note();
    ++closes;
    reason = why;
  }
  void note() {
    if (std::this_thread::get_id() != loop_thread) off_loop = true;
    if (in_call) reentered = true;
  }
};

struct Pair {
  std::shared_ptr<Connection> client;
  std::shared_ptr<Connection> server;
  Address bound;
};

// Listens on 127.0.0.1:0 with `server_side` and connects with `client_side`. Each connection is
// started with its recorder, unless that recorder is null (then it is left unread). Later
// connections to the same listener are closed unstarted.
Pair connect_pair(AsioEventLoop& loop, TcpTransport& server_side, TcpTransport& client_side,
                  Recorder* server_recorder, Recorder* client_recorder) {
  auto accepted = std::make_shared<std::shared_ptr<Connection>>();
  auto connected = std::make_shared<std::shared_ptr<Connection>>();
  auto listened = on_loop(loop, [&] {
    return server_side.listen(Address{"127.0.0.1", 0}, [=](std::shared_ptr<Connection> c) {
      if (*accepted) return c->close("only one connection per test pair");
      if (server_recorder) c->start(*server_recorder);
      *accepted = std::move(c);
    });
  });
  REQUIRE(listened.error.empty());
  REQUIRE(listened.bound.has_value());
  const Address bound = *listened.bound;
  on_loop(loop, [&] {
    client_side.connect(bound, [=](std::shared_ptr<Connection> c, const std::string& error) {
      if (!error.empty()) return;
      if (client_recorder) c->start(*client_recorder);
      *connected = std::move(c);
    });
  });
  REQUIRE(eventually(loop, [&] { return *accepted && *connected; }));
  return on_loop(loop, [&] { return Pair{*connected, *accepted, bound}; });
}

std::thread::id loop_thread_of(AsioEventLoop& loop) {
  return on_loop(loop, [] { return std::this_thread::get_id(); });
}

}  // namespace

TEST_CASE("tcp: Address parses host:port and prints it back", "[tcp][address]") {
  using A = Address;
  CHECK(A::parse("127.0.0.1:7000") == A{"127.0.0.1", 7000});
  CHECK(A::parse("example.org:1") == A{"example.org", 1});
  CHECK(A::parse("localhost:65535") == A{"localhost", 65535});
  CHECK(A::parse("[::1]:7000") == A{"::1", 7000});
  CHECK(A::parse("[fe80::1%eth0]:80") == A{"fe80::1%eth0", 80});
  CHECK(A::parse("127.0.0.1:0", true) == A{"127.0.0.1", 0});

  CHECK(A{"127.0.0.1", 7000}.str() == "127.0.0.1:7000");
  CHECK(A{"::1", 7000}.str() == "[::1]:7000");
  CHECK(A::parse(A{"::1", 9}.str()) == A{"::1", 9});

  for (const char* bad :
       {"",           "127.0.0.1",        "127.0.0.1:", ":7000",         "[]:7000",
        "[::1]",      "[::1]7000",        "[::1:7000",  "::1:7000",      "host:0",
        "host:65536", "host:99999999999", "host:-1",    "host:+1",       "host:7x",
        "host:7000 ", " host:7000",       "ho st:1",    "[localhost]:1", "user@host:1"}) {
    INFO(bad);
    CHECK_FALSE(A::parse(bad).has_value());
  }
  CHECK_FALSE(A::parse("host:0", false).has_value());
  CHECK_FALSE(A::parse("host:65536", true).has_value());
}

TEST_CASE("tcp: post() runs functions on the loop thread, in order, never inline",
          "[tcp][event_loop]") {
  AsioEventLoop loop;
  loop.start_thread();
  const auto loop_thread = loop_thread_of(loop);
  CHECK(loop_thread != std::this_thread::get_id());

  constexpr int kThreads = 4;
  constexpr int kPosts = 500;
  // Written on the loop only; each poster's sequence must arrive in the order it was posted.
  std::vector<std::vector<int>> seen(kThreads);
  int off_loop = 0;
  StopLoopFirst guard{loop};
  std::vector<std::thread> posters;
  for (int t = 0; t < kThreads; ++t) {
    posters.emplace_back([&, t] {
      for (int i = 0; i < kPosts; ++i) {
        loop.post([&, t, i] {
          if (std::this_thread::get_id() != loop_thread) ++off_loop;
          seen[t].push_back(i);
        });
      }
    });
  }
  for (auto& poster : posters) poster.join();
  REQUIRE(eventually(loop, [&] {
    std::size_t total = 0;
    for (const auto& s : seen) total += s.size();
    return total == kThreads * kPosts;
  }));
  on_loop(loop, [&] {
    CHECK(off_loop == 0);
    for (const auto& s : seen) CHECK(std::is_sorted(s.begin(), s.end()));
  });

  // From the loop itself, the posted function runs after the poster returns.
  const bool ran_inline = on_loop(loop, [&] {
    auto ran = std::make_shared<bool>(false);
    loop.post([ran] { *ran = true; });
    return *ran;
  });
  CHECK_FALSE(ran_inline);
  loop.stop_and_join();
}

TEST_CASE("tcp: timers fire in deadline order, not early; cancelled timers never fire",
          "[tcp][event_loop]") {
  AsioEventLoop loop;
  std::vector<int> fired;
  std::vector<std::uint64_t> late_by;
  bool wrong_thread = false;
  loop.start_thread();
  StopLoopFirst guard{loop};
  const auto loop_thread = loop_thread_of(loop);

  on_loop(loop, [&] {
    auto add = [&](int label, int delay_ms) {
      const std::uint64_t due = loop.now_ms() + static_cast<std::uint64_t>(delay_ms);
      return loop.schedule(std::chrono::milliseconds(delay_ms), [&, label, due] {
        if (std::this_thread::get_id() != loop_thread) wrong_thread = true;
        fired.push_back(label);
        late_by.push_back(loop.now_ms() - due);  // wraps to a huge value if it fired early
      });
    };
    add(3, 60);
    add(1, 20);
    const TimerId doomed = add(99, 40);
    add(2, 40);
    loop.cancel(doomed);
    loop.cancel(0);          // nothing
    loop.cancel(123456789);  // unknown: nothing
    // A timer whose deadline has already passed, cancelled before the loop gets to run it.
    const TimerId expired = add(98, 0);
    std::this_thread::sleep_for(5ms);
    loop.cancel(expired);
  });
  REQUIRE(eventually(loop, [&] { return fired.size() >= 3; }));
  // One more timer after the last: any cancelled timer that was going to fire would have by then.
  auto done = std::make_shared<std::promise<void>>();
  on_loop(loop, [&] { loop.schedule(30ms, [done] { done->set_value(); }); });
  REQUIRE(done->get_future().wait_for(kPatience) == std::future_status::ready);

  on_loop(loop, [&] {
    CHECK(fired == std::vector<int>{1, 2, 3});
    CHECK_FALSE(wrong_thread);
    for (auto late : late_by) CHECK(late < 10'000);
  });

  // Timers already due whose completions may be queued behind the cancelling function: Asio's
  // own cancel() cannot recall those, the loop must still not run them.
  int ran_after_cancel = 0;
  for (int round = 0; round < 20; ++round) {
    on_loop(loop, [&] {
      auto due = std::make_shared<std::vector<TimerId>>();
      for (int i = 0; i < 10; ++i) due->push_back(loop.schedule(0ms, [&] { ++ran_after_cancel; }));
      std::this_thread::sleep_for(1ms);
      loop.post([&loop, due] {
        for (TimerId id : *due) loop.cancel(id);
      });
    });
  }
  CHECK(on_loop(loop, [&] { return ran_after_cancel; }) == 0);

  // Cancelling a timer that already ran does nothing, and timers can be scheduled from timers.
  std::vector<int> chain;
  TimerId first = 0;
  on_loop(loop, [&] {
    first = loop.schedule(0ms, [&] {
      chain.push_back(1);
      loop.cancel(first);
      loop.schedule(1ms, [&] { chain.push_back(2); });
    });
  });
  REQUIRE(eventually(loop, [&] { return chain.size() == 2; }));
  loop.stop_and_join();
}

TEST_CASE("tcp: run() serves the calling thread until stop()", "[tcp][event_loop]") {
  AsioEventLoop loop;
  int ran = 0;
  loop.post([&] { ++ran; });
  loop.post([&] { loop.stop(); });
  loop.post([&] { ++ran; });  // after stop(): runs in the next run()
  loop.run();
  CHECK(ran == 1);

  loop.stop();  // a stop before run() makes it return at once
  loop.run();
  CHECK(ran == 1);

  loop.schedule(1ms, [&] { loop.stop(); });
  loop.run();
  CHECK(ran == 2);
}

TEST_CASE("tcp: an exception escaping a callback reaches stop_and_join()", "[tcp][event_loop]") {
  AsioEventLoop loop;
  loop.start_thread();
  std::promise<void> threw;
  loop.post([&] {
    threw.set_value();
    throw std::runtime_error("boom");
  });
  REQUIRE(threw.get_future().wait_for(kPatience) == std::future_status::ready);
  CHECK_THROWS_WITH(loop.stop_and_join(), "boom");
  CHECK_NOTHROW(loop.stop_and_join());  // reported once
}

TEST_CASE("tcp: listen on port 0, connect, and every callback runs on the loop", "[tcp]") {
  AsioEventLoop loop;
  loop.start_thread();
  Recorder server_recorder;
  Recorder client_recorder;
  TcpTransport server_side(loop);
  TcpTransport client_side(loop);
  StopLoopFirst guard{loop};
  const auto loop_thread = loop_thread_of(loop);
  server_recorder.loop_thread = client_recorder.loop_thread = loop_thread;

  const auto pair =
      connect_pair(loop, server_side, client_side, &server_recorder, &client_recorder);
  CHECK(pair.bound.host == "127.0.0.1");
  CHECK(pair.bound.port != 0);
  on_loop(loop, [&] {
    CHECK(pair.client->remote() == pair.bound.str());
    CHECK(pair.server->remote().rfind("127.0.0.1:", 0) == 0);
    CHECK(pair.server->remote() != pair.bound.str());
    CHECK(pair.client->max_queued_bytes() == TcpOptions{}.max_queued_bytes);
  });

  // The connect handler runs on the loop, and after connect() has returned.
  struct Seen {
    bool inside_connect = false;
    bool called_inside = false;
    std::thread::id thread;
    int calls = 0;
  };
  auto seen = std::make_shared<Seen>();
  on_loop(loop, [&] {
    seen->inside_connect = true;
    client_side.connect(pair.bound, [seen](std::shared_ptr<Connection> c, const std::string&) {
      seen->called_inside = seen->inside_connect;
      seen->thread = std::this_thread::get_id();
      ++seen->calls;
      if (c) c->close("not needed");
    });
    seen->inside_connect = false;
  });
  REQUIRE(eventually(loop, [&] { return seen->calls == 1; }));
  on_loop(loop, [&] {
    CHECK_FALSE(seen->called_inside);
    CHECK(seen->thread == loop_thread);
  });

  on_loop(loop, [&] {
    server_recorder.in_call = client_recorder.in_call = true;
    CHECK(pair.client->send(Bytes{1, 2, 3}));
    CHECK(pair.server->send(Bytes{4, 5}));
    server_recorder.in_call = client_recorder.in_call = false;
  });
  REQUIRE(eventually(loop, [&] {
    return server_recorder.received.size() == 3 && client_recorder.received.size() == 2;
  }));
  on_loop(loop, [&] {
    CHECK(server_recorder.received == Bytes{1, 2, 3});
    CHECK(client_recorder.received == Bytes{4, 5});
    for (const Recorder* r : {&server_recorder, &client_recorder}) {
      CHECK_FALSE(r->off_loop);
      CHECK_FALSE(r->reentered);
      CHECK(r->closes == 0);
    }
    server_side.shutdown();
    client_side.shutdown();
  });
  loop.stop_and_join();
}

TEST_CASE("tcp: bytes flow both ways in order, 10 MB in many sends", "[tcp]") {
  AsioEventLoop loop;
  loop.start_thread();
  Recorder server_recorder;
  Recorder client_recorder;
  TcpTransport server_side(loop);
  TcpTransport client_side(loop);
  StopLoopFirst guard{loop};
  server_recorder.loop_thread = client_recorder.loop_thread = loop_thread_of(loop);
  const auto pair =
      connect_pair(loop, server_side, client_side, &server_recorder, &client_recorder);

  const Bytes upstream = seeded_bytes(10'000'000, 1);
  const Bytes downstream = seeded_bytes(1'000'000, 2);
  // Chunk sizes from 1 byte to about 100 KiB, so both packing and large buffers are exercised.
  auto send_all = [](Connection& connection, const Bytes& data, std::uint32_t seed) {
    const Bytes sizes = seeded_bytes(data.size(), seed);
    std::size_t offset = 0;
    std::size_t sends = 0;
    while (offset < data.size()) {
      const std::size_t want = sends % 50 == 49 ? 100'000 : 1 + sizes[sends] * 16;
      const std::size_t size = std::min(want, data.size() - offset);
      const auto begin = data.begin() + static_cast<std::ptrdiff_t>(offset);
      if (!connection.send(Bytes(begin, begin + static_cast<std::ptrdiff_t>(size))))
        return std::size_t{0};
      offset += size;
      ++sends;
    }
    return sends;
  };
  CHECK(on_loop(loop, [&] { return send_all(*pair.client, upstream, 3); }) > 2000);
  CHECK(on_loop(loop, [&] { return send_all(*pair.server, downstream, 4); }) > 200);

  REQUIRE(eventually(loop, [&] {
    return server_recorder.received.size() >= upstream.size() &&
           client_recorder.received.size() >= downstream.size();
  }));
  REQUIRE(eventually(
      loop, [&] { return pair.client->queued_bytes() == 0 && pair.server->queued_bytes() == 0; }));
  on_loop(loop, [&] {
    CHECK(server_recorder.received == upstream);
    CHECK(client_recorder.received == downstream);
    CHECK(server_recorder.closes == 0);
    CHECK(client_recorder.closes == 0);
    CHECK_FALSE(server_recorder.off_loop);
    CHECK_FALSE(client_recorder.off_loop);
    server_side.shutdown();
    client_side.shutdown();
  });
  loop.stop_and_join();
}

TEST_CASE("tcp: a peer that never reads gets backpressure, and memory stays bounded", "[tcp]") {
  constexpr std::size_t kBound = 256 * 1024;
  constexpr std::size_t kChunk = 16 * 1024;
  AsioEventLoop loop;
  loop.start_thread();
  Recorder server_recorder;
  Recorder client_recorder;
  TcpTransport server_side(loop);
  TcpTransport client_side(loop, TcpOptions{.max_queued_bytes = kBound});
  StopLoopFirst guard{loop};
  server_recorder.loop_thread = client_recorder.loop_thread = loop_thread_of(loop);
  // The server side is not started: it never reads, so the kernel buffers fill, then the queue.
  const auto pair = connect_pair(loop, server_side, client_side, nullptr, &client_recorder);

  on_loop(loop, [&] {
    CHECK(pair.client->max_queued_bytes() == kBound);
    CHECK_FALSE(pair.client->send(Bytes(kBound + 1, 7)));  // larger than the bound: refused whole
    CHECK(pair.client->queued_bytes() == 0);
  });

  std::size_t accepted = 0;
  std::size_t peak = 0;
  bool refused = false;
  std::size_t queued_when_refused = 0;
  const std::size_t give_up = std::size_t{256} << 20;
  while (!refused && accepted < give_up) {
    // Batches, so that the writer gets to run between them and the kernel buffers fill up.
    on_loop(loop, [&] {
      for (int i = 0; i < 64 && !refused; ++i) {
        if (pair.client->send(Bytes(kChunk, static_cast<std::uint8_t>(accepted / kChunk)))) {
          accepted += kChunk;
        } else {
          refused = true;
          queued_when_refused = pair.client->queued_bytes();
        }
        peak = std::max(peak, pair.client->queued_bytes());
      }
    });
  }
  REQUIRE(refused);
  CHECK(peak <= kBound);
  CHECK(queued_when_refused <= kBound);
  CHECK(queued_when_refused + kChunk > kBound);
  CHECK(on_loop(loop, [&] { return client_recorder.closes; }) == 0);

  // Once the peer reads, everything accepted arrives and the queue drains.
  on_loop(loop, [&] { pair.server->start(server_recorder); });
  REQUIRE(eventually(loop, [&] {
    return server_recorder.received.size() >= accepted && pair.client->queued_bytes() == 0;
  }));
  on_loop(loop, [&] {
    CHECK(server_recorder.received.size() == accepted);
    CHECK(server_recorder.received.back() == static_cast<std::uint8_t>((accepted - 1) / kChunk));
    CHECK(pair.client->send(Bytes(kChunk, 1)));
    server_side.shutdown();
    client_side.shutdown();
  });
  loop.stop_and_join();
}

TEST_CASE("tcp: close() from either side reports on_closed exactly once on both", "[tcp]") {
  AsioEventLoop loop;
  loop.start_thread();
  Recorder server_recorder;
  Recorder client_recorder;
  TcpTransport server_side(loop);
  TcpTransport client_side(loop);
  StopLoopFirst guard{loop};
  server_recorder.loop_thread = client_recorder.loop_thread = loop_thread_of(loop);
  const auto pair =
      connect_pair(loop, server_side, client_side, &server_recorder, &client_recorder);

  const bool client_closes = GENERATE(true, false);
  INFO((client_closes ? "the client closes" : "the server closes"));
  auto& closer = client_closes ? *pair.client : *pair.server;
  auto& closer_recorder = client_closes ? client_recorder : server_recorder;
  auto& other_recorder = client_closes ? server_recorder : client_recorder;
  auto& other = client_closes ? *pair.server : *pair.client;

  on_loop(loop, [&] {
    closer_recorder.in_call = other_recorder.in_call = true;
    closer.close("done here");
    closer.close("again");
    CHECK_FALSE(closer.send(Bytes{1}));
    closer_recorder.in_call = other_recorder.in_call = false;
    CHECK(closer_recorder.closes == 0);  // posted, not called from inside close()
    CHECK(closer.queued_bytes() == 0);
  });
  REQUIRE(
      eventually(loop, [&] { return closer_recorder.closes > 0 && other_recorder.closes > 0; }));

  // Later events (a send on the dead side, a shutdown) must not report again.
  on_loop(loop, [&] {
    CHECK_FALSE(other.send(Bytes{1}));
    server_side.shutdown();
    client_side.shutdown();
  });
  auto settled = std::make_shared<std::promise<void>>();
  on_loop(loop, [&] { loop.schedule(50ms, [settled] { settled->set_value(); }); });
  REQUIRE(settled->get_future().wait_for(kPatience) == std::future_status::ready);
  on_loop(loop, [&] {
    CHECK(closer_recorder.closes == 1);
    CHECK(other_recorder.closes == 1);
    CHECK(closer_recorder.reason == "done here");
    CHECK_FALSE(other_recorder.reason.empty());
    CHECK_FALSE(closer_recorder.reentered);
    CHECK_FALSE(other_recorder.reentered);
    CHECK_FALSE(closer_recorder.off_loop);
    CHECK_FALSE(other_recorder.off_loop);
  });
  loop.stop_and_join();
}

TEST_CASE("tcp: detach() closes without calling the handler again", "[tcp]") {
  AsioEventLoop loop;
  loop.start_thread();
  Recorder server_recorder;
  Recorder client_recorder;
  TcpTransport server_side(loop);
  TcpTransport client_side(loop);
  StopLoopFirst guard{loop};
  server_recorder.loop_thread = client_recorder.loop_thread = loop_thread_of(loop);
  const auto pair =
      connect_pair(loop, server_side, client_side, &server_recorder, &client_recorder);

  on_loop(loop, [&] {
    // Bytes already on their way to the client must not be delivered after detach() either.
    CHECK(pair.server->send(Bytes(1000, 9)));
    pair.client->detach();
    CHECK_FALSE(pair.client->send(Bytes{1}));
    pair.client->close("after detach");
  });
  REQUIRE(eventually(loop, [&] { return server_recorder.closes == 1; }));
  on_loop(loop, [&] {
    server_side.shutdown();
    client_side.shutdown();
  });
  auto settled = std::make_shared<std::promise<void>>();
  on_loop(loop, [&] { loop.schedule(50ms, [settled] { settled->set_value(); }); });
  REQUIRE(settled->get_future().wait_for(kPatience) == std::future_status::ready);
  on_loop(loop, [&] {
    CHECK(client_recorder.closes == 0);
    CHECK(client_recorder.received.empty());
    CHECK(server_recorder.closes == 1);
  });
  loop.stop_and_join();
}

TEST_CASE("tcp: shutdown() stops listening and closes live connections", "[tcp]") {
  AsioEventLoop loop;
  loop.start_thread();
  Recorder server_recorder;
  Recorder client_recorder;
  TcpTransport server_side(loop);
  TcpTransport client_side(loop);
  StopLoopFirst guard{loop};
  server_recorder.loop_thread = client_recorder.loop_thread = loop_thread_of(loop);
  const auto pair =
      connect_pair(loop, server_side, client_side, &server_recorder, &client_recorder);

  on_loop(loop, [&] {
    server_side.shutdown();
    CHECK(server_recorder.closes == 0);
  });
  REQUIRE(
      eventually(loop, [&] { return server_recorder.closes == 1 && client_recorder.closes == 1; }));
  on_loop(loop, [&] {
    CHECK(server_recorder.reason == "transport shut down");
    CHECK_FALSE(client_recorder.reason.empty());
  });

  auto error = std::make_shared<std::optional<std::string>>();
  on_loop(loop, [&] {
    client_side.connect(pair.bound, [error](std::shared_ptr<Connection> c, const std::string& e) {
      *error = c ? std::string("connected") : e;
    });
  });
  REQUIRE(eventually(loop, [&] { return error->has_value(); }));
  CHECK(on_loop(loop, [&] { return **error; }) != "connected");
  on_loop(loop, [&] { client_side.shutdown(); });
  loop.stop_and_join();
}

TEST_CASE("tcp: connecting to a closed port reports an error, without throwing", "[tcp]") {
  AsioEventLoop loop;
  loop.start_thread();
  TcpTransport transport(loop);
  StopLoopFirst guard{loop};
  // A port that was free a moment ago and has nobody listening now.
  const auto closed = on_loop(loop, [&] {
    auto result = transport.listen(Address{"127.0.0.1", 0}, [](std::shared_ptr<Connection>) {});
    transport.shutdown();
    return result.bound;
  });
  REQUIRE(closed.has_value());

  struct Outcome {
    int calls = 0;
    bool got_connection = false;
    std::string error;
  };
  auto outcome = std::make_shared<Outcome>();
  on_loop(loop, [&] {
    CHECK_NOTHROW(
        transport.connect(*closed, [outcome](std::shared_ptr<Connection> c, const std::string& e) {
          ++outcome->calls;
          outcome->got_connection = c != nullptr;
          outcome->error = e;
        }));
  });
  REQUIRE(eventually(loop, [&] { return outcome->calls > 0; }));
  on_loop(loop, [&] {
    CHECK(outcome->calls == 1);
    CHECK_FALSE(outcome->got_connection);
    CHECK(outcome->error.rfind("connect to " + closed->str() + ": ", 0) == 0);
    CHECK(outcome->error.size() > ("connect to " + closed->str() + ": ").size());
  });

  // Listening on an address this machine does not have is an error too, not an exception.
  const auto refused = on_loop(loop, [&] {
    return transport.listen(Address{"192.0.2.1", 0}, [](std::shared_ptr<Connection>) {});
  });
  CHECK_FALSE(refused.bound.has_value());
  CHECK(refused.error.rfind("listen on 192.0.2.1:0: ", 0) == 0);
  loop.stop_and_join();
}

TEST_CASE("tcp: connect gives up after connect_timeout", "[tcp]") {
  // A listener with a backlog of 0 that never accepts: once its queue is full, the kernel drops
  // further SYNs, so later connects hang until our timeout cuts them short.
  asio::io_context silent_io;
  asio::ip::tcp::acceptor silent(silent_io);
  silent.open(asio::ip::tcp::v4());
  silent.bind(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  silent.listen(0);
  const Address target{"127.0.0.1", silent.local_endpoint().port()};

  AsioEventLoop loop;
  loop.start_thread();
  TcpTransport transport(loop, TcpOptions{.connect_timeout = 200ms});
  StopLoopFirst guard{loop};
  constexpr int kAttempts = 6;
  auto errors = std::make_shared<std::vector<std::string>>();
  on_loop(loop, [&] {
    for (int i = 0; i < kAttempts; ++i) {
      transport.connect(target, [errors](std::shared_ptr<Connection> c, const std::string& e) {
        errors->push_back(c ? std::string() : e);
        if (c) c->close("test over");
      });
    }
  });
  REQUIRE(eventually(loop, [&] { return errors->size() == kAttempts; }));
  const auto timed_out = on_loop(loop, [&] {
    return std::count_if(errors->begin(), errors->end(), [&](const std::string& e) {
      return e == "connect to " + target.str() + ": timed out after 200 ms";
    });
  });
  CHECK(timed_out >= 1);
  on_loop(loop, [&] { transport.shutdown(); });
  loop.stop_and_join();
}

TEST_CASE("tcp: shutdown() aborts a connect in progress", "[tcp]") {
  asio::io_context silent_io;
  asio::ip::tcp::acceptor silent(silent_io);
  silent.open(asio::ip::tcp::v4());
  silent.bind(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  silent.listen(0);
  const Address target{"127.0.0.1", silent.local_endpoint().port()};

  AsioEventLoop loop;
  loop.start_thread();
  TcpTransport transport(loop, TcpOptions{.connect_timeout = 4000ms});
  StopLoopFirst guard{loop};
  auto errors = std::make_shared<std::vector<std::string>>();
  on_loop(loop, [&] {
    for (int i = 0; i < 6; ++i) {
      transport.connect(target, [errors](std::shared_ptr<Connection> c, const std::string& e) {
        errors->push_back(c ? std::string() : e);
        if (c) c->close("test over");
      });
    }
  });
  // The first connects complete into the backlog at once; the rest hang.
  REQUIRE(eventually(loop, [&] { return errors->size() >= 1; }));
  on_loop(loop, [&] { transport.shutdown(); });
  REQUIRE(eventually(loop, [&] { return errors->size() == 6; }));
  const auto aborted = on_loop(loop, [&] {
    return std::count(errors->begin(), errors->end(),
                      "connect to " + target.str() + ": transport shut down");
  });
  CHECK(aborted >= 1);
  loop.stop_and_join();
}

TEST_CASE("tcp: an exception thrown by a handler is not swallowed", "[tcp]") {
  struct Throwing final : Connection::Handler {
    std::promise<void> about_to_throw;
    int closes = 0;
    void on_bytes(ByteView) override {
      about_to_throw.set_value();
      throw std::runtime_error("handler failed");
    }
    void on_closed(const std::string&) override { ++closes; }
  };
  AsioEventLoop loop;
  loop.start_thread();
  Throwing thrower;
  Recorder client_recorder;
  TcpTransport server_side(loop);
  TcpTransport client_side(loop);
  StopLoopFirst guard{loop};
  client_recorder.loop_thread = loop_thread_of(loop);
  const auto pair = connect_pair(loop, server_side, client_side, nullptr, &client_recorder);
  on_loop(loop, [&] {
    pair.server->start(thrower);
    CHECK(pair.client->send(Bytes{1}));
  });
  REQUIRE(thrower.about_to_throw.get_future().wait_for(kPatience) == std::future_status::ready);
  CHECK_THROWS_WITH(loop.stop_and_join(), "handler failed");
  // The loop thread has ended: reading the handler's state is safe now.
  CHECK(thrower.closes == 1);
}
