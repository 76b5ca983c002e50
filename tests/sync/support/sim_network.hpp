// SimNetwork: a deterministic in-process network for the sync engine's tests.
//
// Every simulated node (SimHost) gets an EventLoop and a Transport that run on one virtual clock
// shared by the whole network, with one seeded std::mt19937_64 for every random choice. Events run
// in (time, insertion number) order, so a schedule replays exactly from its seed: the same seed
// and the same test code give the same trace and the same statistics.
//
// What the simulation guarantees (the contracts of event_loop.hpp and transport.hpp):
// - Every callback (timers, posted functions, accept, connect, on_bytes, on_closed) runs from
//   step() and its run_* wrappers, never inside the call that caused it.
// - One send() is one unit. Without faults, units of one direction arrive in the order they were
//   sent, after a latency drawn from [min_latency_ms, max_latency_ms]. The faults of SimFaults are
//   applied per unit; the engine's frame MACs are expected to notice them and close.
// - on_closed() runs exactly once per started connection, whoever closed it, except after
//   detach() and on the side of a crashed host (a crash is the process dying, so its handlers are
//   never called again).
// - A graceful close() delivers the units already in flight to the peer, then the peer's
//   on_closed("closed by peer"). Crashes, partitions and the disconnect fault close abruptly: units
//   in flight are lost.
// - send() refuses (returns false, queues nothing) once the bytes sent and not yet delivered would
//   pass max_queued_bytes(); a host that pause_reading(true) leaves its inbound units queued.
// - Failures are text: listen() returns an error, connect() reports "connection refused" after one
//   latency or "connection timed out" after faults.connect_timeout_ms across a partition.
//
// Threading: the simulation is single-threaded, except that EventLoop::post() may be called from
// any thread (it only touches the event queue, under a lock). Posts from other threads make the
// schedule depend on timing, so deterministic tests do not use them.
//
// Lifetimes: the SimNetwork must outlive its hosts' users (declare it first in a test). A
// Connection may outlive it; it then behaves as closed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "event_loop.hpp"
#include "transport.hpp"

namespace crdt::sync::test {

// Probabilities are per unit (one send() call), in [0, 1].
struct SimFaults {
  std::uint64_t min_latency_ms = 1;
  std::uint64_t max_latency_ms = 10;
  double drop = 0;        // the unit disappears
  double duplicate = 0;   // the unit arrives twice
  double reorder = 0;     // the unit arrives after the next unit of its direction
  double corrupt = 0;     // one random bit of the unit flips
  double disconnect = 0;  // the connection breaks; both ends see "simulated disconnect"
  // How long a connect() into another partition group waits before it fails.
  std::uint64_t connect_timeout_ms = 3000;
};

struct SimStats {
  std::uint64_t units_sent = 0;  // accepted by send(); every fault below is counted among these
  std::uint64_t bytes_sent = 0;
  std::uint64_t units_delivered = 0;  // on_bytes calls, duplicates included
  std::uint64_t bytes_delivered = 0;
  std::uint64_t units_dropped = 0;
  std::uint64_t units_duplicated = 0;
  std::uint64_t units_reordered = 0;  // swaps that happened
  std::uint64_t units_corrupted = 0;
  std::uint64_t units_lost = 0;     // in flight when their connection closed or broke
  std::uint64_t sends_refused = 0;  // send() returned false: closed, or the queue was full
  std::uint64_t disconnects = 0;    // by the disconnect fault
  std::uint64_t connects = 0;       // connections established
  std::uint64_t connects_refused = 0;
  std::uint64_t connects_timed_out = 0;
  std::uint64_t partition_breaks = 0;  // connections closed by partition()
  std::uint64_t crashes = 0;
  std::uint64_t events_run = 0;

  friend bool operator==(const SimStats&, const SimStats&) = default;
  // One line, for failure messages.
  std::string str() const;
};

class SimNetwork;

namespace detail {
struct SimLink;
class SimEndpoint;
}  // namespace detail

// One simulated node: its EventLoop, its Transport, and the faults that are about a node.
class SimHost {
 public:
  SimHost(const SimHost&) = delete;
  SimHost& operator=(const SimHost&) = delete;

  const std::string& name() const { return name_; }
  EventLoop& loop() { return loop_; }
  Transport& transport() { return transport_; }

  // The process dies: every connection of this host closes abruptly (the peers see on_closed
  // "connection reset by peer"; this host's handlers are never called again), its timers, posted
  // functions and pending connects are dropped, its listeners removed. Destroy the engine that
  // ran on it; the host can be used again at once (listen, connect, post).
  void crash();

  // While paused, units that arrive for this host stay queued (counted in the senders'
  // queued_bytes()), as with a peer that stops reading its socket. Unpausing delivers them.
  void pause_reading(bool paused);
  bool reading_paused() const { return paused_; }

 private:
  friend class SimNetwork;
  friend class detail::SimEndpoint;

  class Loop : public EventLoop {
   public:
    explicit Loop(SimHost& host) : host_(host) {}
    void post(std::function<void()> fn) override;
    TimerId schedule(std::chrono::milliseconds delay, std::function<void()> fn) override;
    void cancel(TimerId timer) override;
    std::uint64_t now_ms() const override;

   private:
    SimHost& host_;
  };

  class Net : public Transport {
   public:
    explicit Net(SimHost& host) : host_(host) {}
    ListenResult listen(const Address& address, AcceptHandler on_accept) override;
    void connect(const Address& address, ConnectHandler on_done) override;
    void shutdown() override;

   private:
    SimHost& host_;
  };

  struct Listener {
    std::uint64_t id;
    Transport::AcceptHandler on_accept;
  };

  SimHost(SimNetwork& network, std::string name) : network_(network), name_(std::move(name)) {}

  std::vector<std::shared_ptr<detail::SimEndpoint>> live_endpoints();

  SimNetwork& network_;
  std::string name_;
  Loop loop_{*this};
  Net transport_{*this};
  bool paused_ = false;
  // Bumped by crash() and shutdown(): connects started before then never complete normally.
  std::uint64_t generation_ = 0;
  std::map<std::uint16_t, Listener> listeners_;
  std::uint16_t next_listen_port_ = 49152;
  std::uint16_t next_ephemeral_port_ = 50000;
  std::vector<std::weak_ptr<detail::SimEndpoint>> endpoints_;
};

class SimNetwork {
 public:
  static constexpr std::size_t kDefaultMaxQueuedBytes = std::size_t{16} << 20;

  explicit SimNetwork(std::uint64_t seed, SimFaults faults = {});
  ~SimNetwork();
  SimNetwork(const SimNetwork&) = delete;
  SimNetwork& operator=(const SimNetwork&) = delete;

  // The node called `name`, made on first use; the reference stays valid as long as the network.
  SimHost& host(const std::string& name);

  std::uint64_t now_ms() const { return now_ms_; }

  // Runs the earliest event, moving the clock to its time; false when nothing is queued.
  bool step();
  // Runs every event due at or before t_ms, then sets the clock to t_ms (if it is later).
  void run_until(std::uint64_t t_ms);
  void run_for(std::uint64_t ms) { run_until(now_ms_ + ms); }
  // Runs until nothing is queued or max_ms passed; true when it stopped idle. Periodic timers
  // keep a network busy forever, so the bound is required.
  bool run_until_idle(std::uint64_t max_ms);
  bool idle() const;

  const SimFaults& faults() const { return faults_; }
  // Applies to units sent from now on (turn faults off for a quiescence phase).
  void set_faults(const SimFaults& faults) { faults_ = faults; }
  std::size_t max_queued_bytes() const { return max_queued_bytes_; }
  void set_max_queued_bytes(std::size_t bytes) { max_queued_bytes_ = bytes; }

  // Hosts in different groups cannot reach each other: their connections close ("simulated
  // partition"), units in flight between them are lost and connects time out. Hosts named in no
  // group form one more group together. Replaces any earlier partition.
  void partition(std::vector<std::vector<std::string>> groups);
  void heal();
  bool reachable(const std::string& from, const std::string& to) const;

  const SimStats& stats() const { return stats_; }

  // Records a line per network event (sends, faults, deliveries, connects, closes, crashes).
  void trace(bool on) { tracing_ = on; }
  const std::vector<std::string>& trace_lines() const { return trace_; }
  // The recorded lines joined, for printing when a schedule fails.
  std::string trace_text() const;

 private:
  friend class SimHost;
  friend class detail::SimEndpoint;

  struct Event {
    std::function<void()> fn;
    SimHost* owner;  // dropped when this host crashes; nullptr for the network's own events
  };
  using EventKey = std::pair<std::uint64_t, std::uint64_t>;  // (time, insertion number)

  std::uint64_t enqueue(std::uint64_t at_ms, SimHost* owner, std::function<void()> fn,
                        bool cancellable = false);
  void cancel(TimerId timer);
  void drop_events_of(SimHost& host);

  std::uint64_t draw(std::uint64_t low, std::uint64_t high);
  bool chance(double probability);
  std::uint64_t latency();

  void connect(SimHost& from, const Address& to, Transport::ConnectHandler on_done);
  void arrive(SimHost& from, Address to, Transport::ConnectHandler on_done,
              std::uint64_t started_ms, std::uint64_t generation);
  bool send(const std::shared_ptr<detail::SimLink>& link, int side, Bytes bytes);
  void schedule_drain(const std::shared_ptr<detail::SimLink>& link, int from_side);
  void drain(const std::shared_ptr<detail::SimLink>& link, int from_side);
  // A graceful close by `side`: the peer gets what is in flight, then on_closed.
  void close_side(const std::shared_ptr<detail::SimLink>& link, int side);
  // An abrupt close of both ends; a side of a crashed host is closed silently.
  void break_link(detail::SimLink& link, const std::string& reason, const SimHost* crashed);
  void notify_closed(const std::shared_ptr<detail::SimEndpoint>& endpoint);
  void lose(detail::SimLink& link, int from_side);
  void log(const std::string& line);

  // Guards the event queue (and the clock, read by post()), the only state other threads touch.
  mutable std::mutex queue_mutex_;
  std::map<EventKey, Event> queue_;
  std::unordered_map<TimerId, std::uint64_t> timers_;  // cancellable event -> its time
  std::uint64_t next_event_ = 1;
  std::uint64_t now_ms_ = 0;

  std::mt19937_64 random_;
  SimFaults faults_;
  std::size_t max_queued_bytes_ = kDefaultMaxQueuedBytes;
  std::map<std::string, std::unique_ptr<SimHost>> hosts_;
  std::vector<std::weak_ptr<detail::SimLink>> links_;
  std::uint64_t next_link_ = 1;
  std::uint64_t next_listener_ = 1;
  std::map<std::string, int> group_of_;  // empty: no partition
  SimStats stats_;
  bool tracing_ = false;
  std::vector<std::string> trace_;
};

}  // namespace crdt::sync::test
