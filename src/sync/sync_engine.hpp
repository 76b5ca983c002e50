// SyncEngine: one node's sync machinery on its EventLoop: listeners, dialers with backoff, a
// session (PeerLink + PeerSync) per connection, the log follower that relays new deltas to every
// session, subscriptions, timers and the status report.
//
// It composes; the work is done by its parts: PeerLink (framing, handshake), PeerSync (the
// protocol with one peer, no I/O), LocalReplica (the store as the protocol reads it), StoreWorker
// (where merges and acknowledgements are written, off the loop), SubscriptionRegistry (change
// callbacks), Backoff (reconnect timing). Every member runs on the loop thread, except
// where a member says otherwise; Node (node.hpp) is the thread-safe face apps use, and the
// simulation drives a SyncEngine directly.
//
// Guarantees: a failing session closes alone, with its reason logged, and its dialer reconnects
// with backoff; sessions are destroyed only from the loop, never inside their own callbacks.
// Nothing a session's work throws escapes into the loop: an error of the store ends the session
// concerned, or, when it says the file itself is unusable (not a database, corrupt, written by a
// newer version), stops the engine and reports to the failure handler, so a node never goes on
// listening without serving.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backoff.hpp"
#include "connection_admission.hpp"
#include "crdt/persist/shared_store.hpp"
#include "crdt/sync/node_options.hpp"
#include "crdt/sync/session_report.hpp"
#include "event_loop.hpp"
#include "local_replica.hpp"
#include "peer_link.hpp"
#include "peer_sync.hpp"
#include "store_worker.hpp"
#include "subscription_registry.hpp"
#include "transport.hpp"

namespace crdt::sync {

class SyncEngine {
 public:
  // Store work runs on `worker` (a ThreadStoreWorker in production; it must outlive the engine),
  // or, when none is given, on the loop itself, one job per loop task: deterministic, for the
  // simulation and the engine's tests. Large deltas messages are parsed by tasks posted to
  // `decoder` (a loop of its own in production, so that inflating a peer's megabyte never holds
  // up the others' small messages; it must outlive the engine's posted tasks), or on the loop
  // when none is given. A session's messages are handled in the order they came either way.
  SyncEngine(EventLoop& loop, Transport& transport, persist::SharedStore& store,
             NodeOptions options, StoreWorker* worker = nullptr, EventLoop* decoder = nullptr);
  ~SyncEngine();
  SyncEngine(const SyncEngine&) = delete;
  SyncEngine& operator=(const SyncEngine&) = delete;

  // Listens and dials as the options say. Throws std::runtime_error if an address cannot be
  // bound (a port in use): a node that cannot serve should not pretend to run.
  void start();
  // Persists acknowledgements, closes every session, stops listening and dialing.
  void stop();
  // Stops like a killed process: nothing more is written (acknowledgements not yet persisted are
  // lost, as they would be). For the simulation's crashes.
  void halt();

  const std::vector<Address>& bound() const { return bound_; }
  // Adds a peer to dial (and redial) from now on.
  void add_peer(const Address& address);
  // The log may have advanced (a write through the node): follow it now.
  void log_advanced();

  LocalReplica& replica() { return replica_; }
  SubscriptionRegistry& subscriptions() { return subscriptions_; }
  std::vector<SessionReport> sessions();
  // Whether every dialed peer has a session that finished its initial exchange both ways.
  bool dialed_peers_synced() const;
  // The reason a dialed peer refused the last handshake (wrong secret, no common version), if it
  // did: retrying will not help until someone changes a configuration.
  std::optional<std::string> refusal() const;
  std::string status_json();
  std::uint64_t sessions_closed() const { return sessions_closed_; }
  // Called once, on the loop, when the engine stopped because its store is unusable.
  void set_failure_handler(std::function<void(const std::string& reason)> handler) {
    on_failure_ = std::move(handler);
  }
  // Why the engine stopped by itself, if it did.
  const std::optional<std::string>& failure() const { return failure_; }

 private:
  struct Session;
  struct QueuedMerge;
  struct Dialer {
    Address address;
    Backoff backoff;
    std::optional<std::uint64_t> session;  // the live session it made
    TimerId timer = 0;
    std::string last_error;
    std::optional<std::string> refusal;
  };

  void accept(std::shared_ptr<Connection> connection);
  void dial(std::size_t dialer);
  void redial_later(std::size_t dialer);
  std::uint64_t open_session(std::shared_ptr<Connection> connection, Role role,
                             std::optional<std::size_t> dialer);
  void on_established(std::uint64_t id);
  void on_message(std::uint64_t id, Frame message);
  // Hands a message to the session's PeerSync, or a large deltas message to the decoder first.
  void deliver(Session& session, Frame message);
  void on_parsed(std::uint64_t id, DeltasMessage deltas, std::optional<PayloadError> error);
  void on_closed(std::uint64_t id, const std::string& reason);
  void close_session(std::uint64_t id, const std::string& reason);
  // Merges a session's deltas message on the store worker, in slices; answers PeerSync::merged.
  void submit_merge(std::uint64_t id, ReplicaId peer, std::uint64_t number,
                    std::vector<DeltaItem> items);
  // Persists what a session's peer acknowledged: on the worker, or here when stopping.
  void persist_ack(Session& session, bool now);
  void poll_log();
  void schedule_poll();
  // Refreshes the digest index on the decoder, where there is one (otherwise a digest exchange
  // refreshes it on the loop when it needs it), a while after the log advanced: a burst of
  // writes is hashed once, and a node that just started serves its first peers first.
  void schedule_digest_refresh();
  void refresh_digests();
  void tick();
  // Runs one step of a session's work (the session's id, or 0 for the node's own timers) and
  // turns what it throws into the end of the session or, for an unusable store, of the engine.
  template <class F>
  void guard(std::uint64_t id, F&& step);
  void handle_failure(std::uint64_t id, const std::exception& error);
  void fail(const std::string& reason);
  // Log lines are escaped (a peer's text cannot forge a line) and rate limited: at most
  // kLogBurst lines a second, then one line saying how many were left out.
  void log(const std::string& line);
  // A named limit was breached: counted (in the status) and logged.
  void breach(const char* limit, const std::string& line);
  Session* find(std::uint64_t id);

  EventLoop& loop_;
  Transport& transport_;
  persist::SharedStore& store_;
  NodeOptions options_;
  LocalReplica replica_;
  std::unique_ptr<StoreWorker> own_worker_;
  StoreWorker* worker_;
  EventLoop* decoder_;
  SyncSettings settings_;
  MergeSlice slice_;
  SubscriptionRegistry subscriptions_;
  std::vector<Address> bound_;
  std::vector<Dialer> dialers_;
  std::map<std::uint64_t, std::unique_ptr<Session>> sessions_;
  std::uint64_t next_session_ = 1;
  std::uint64_t sessions_closed_ = 0;
  std::uint64_t ticks_ = 0;
  std::uint64_t seed_ = 0;
  TimerId poll_timer_ = 0;
  TimerId tick_timer_ = 0;
  TimerId digest_timer_ = 0;
  bool poll_posted_ = false;
  bool running_ = false;
  std::optional<std::string> failure_;
  ConnectionAdmission admission_;
  std::map<std::string, std::uint64_t> breaches_;
  std::uint64_t log_second_ = 0;
  std::uint64_t log_lines_ = 0;
  std::uint64_t log_dropped_ = 0;
  std::function<void(const std::string&)> on_failure_;
  // Guards callbacks posted to the loop after the engine is gone.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  // The same for work running on the decoder thread, which may read it while the loop clears it.
  std::shared_ptr<std::atomic<bool>> decoder_alive_ = std::make_shared<std::atomic<bool>>(true);
};

}  // namespace crdt::sync
