// Node: a replica that syncs. Every process (device, hub, server) runs one.
//
// A Node owns its store (one SQLite file) and its sessions. It listens on any number of addresses
// and connects to any number of peers at once; "leader" is only the role of a node others connect
// to. Star, chain and mesh topologies converge: a delta received that changed this node is relayed
// to its other peers, never back to where it came from, and one that changed nothing is not
// relayed, so cycles quiesce.
//
// Guarantees:
// - update() is durable when it returns (the store's guarantee), then pushed to connected peers at
//   once, batched while earlier batches are unacknowledged. Peers that are offline get it when
//   they reconnect, from the delta log, or by digests if the log no longer reaches back.
// - Every member may be called from any thread. The sync work runs on the node's own thread.
// - Subscription callbacks run on the executor given in NodeOptions::callback_executor, or on the
//   node's thread (then they must not block, and must not call stop()). A callback hears about
//   local writes, remote merges and writes by other processes to the same file (within
//   NodeOptions::poll_interval), and is told what changed (change.hpp).
// - A document id that a peer created with another type is kept beside this one as a conflict,
//   reported to on_conflict listeners and in status(), never merged.
// - stop() (and the destructor) persists acknowledgements, closes sessions and the store cleanly.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crdt/change.hpp"
#include "crdt/persist/document_type.hpp"
#include "crdt/persist/options.hpp"
#include "crdt/persist/shared_store.hpp"
#include "crdt/sync/address.hpp"
#include "crdt/sync/node_options.hpp"
#include "crdt/sync/session_report.hpp"

namespace crdt::sync {

class Node;

// Unsubscribes when destroyed (or on reset()).
class Subscription {
 public:
  Subscription() = default;
  Subscription(Subscription&& other) noexcept { *this = std::move(other); }
  Subscription& operator=(Subscription&& other) noexcept;
  ~Subscription() { reset(); }
  void reset();

 private:
  friend class Node;
  Subscription(Node* node, std::uint64_t id) : node_(node), id_(id) {}
  Node* node_ = nullptr;
  std::uint64_t id_ = 0;
};

class Node {
 public:
  using StateCallback = std::function<void(
      const std::string& doc, const std::shared_ptr<const persist::AnyDocument>& before,
      const std::shared_ptr<const persist::AnyDocument>& after)>;

  // Opens (or creates) the store at `file` and starts: listens, dials, on a thread of its own.
  // Throws persist::Error when the store cannot be opened and std::runtime_error when an address
  // cannot be bound.
  static std::unique_ptr<Node> open(const std::string& file, NodeOptions options,
                                    persist::Options store_options = {});
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // As Store::update: durable on return; then pushed to peers.
  template <class T, class F>
  auto update(std::string_view doc, F&& f) {
    auto result = store().update<T>(doc, std::forward<F>(f));
    log_advanced();
    return result;
  }
  // As update(), without waiting (SharedStore::update_async): the future is ready once the
  // update is durable; it is pushed to peers then. One thread issuing many of these gets them
  // committed, and sent, in groups.
  template <class T, class F>
  auto update_async(std::string doc, F f) {
    return store().update_async<T>(std::move(doc), std::move(f));
  }
  template <class T>
  std::optional<T> read(std::string_view doc) {
    return store().read<T>(doc);
  }
  bool remove(std::string_view doc);

  // Calls `callback(doc, change)` for each change to a document of type T whose id starts with
  // `prefix` (documents of other types under the prefix are skipped).
  template <class T, class Callback>
  [[nodiscard]] Subscription subscribe(std::string prefix, Callback callback) {
    return subscribe_states(
        std::move(prefix),
        [callback = std::move(callback)](const std::string& doc,
                                         const std::shared_ptr<const persist::AnyDocument>& before,
                                         const std::shared_ptr<const persist::AnyDocument>& after) {
          const T* old_state = typed<T>(before);
          const T* new_state = typed<T>(after);
          if ((before && !old_state) || (after && !new_state)) return;  // another type
          const T bottom{};
          const auto change =
              describe_change(old_state ? *old_state : bottom, new_state ? *new_state : bottom);
          if (!empty(change)) callback(doc, change);
        });
  }
  // The untyped form: the states before and after (nullptr: absent or removed).
  [[nodiscard]] Subscription subscribe_states(std::string prefix, StateCallback callback);
  // Calls `callback(doc, type)` when a peer's document `doc` of another type is kept as a conflict.
  [[nodiscard]] Subscription on_conflict(
      std::function<void(const std::string& doc, const std::string& type)> callback);

  // The addresses listened on (with the ports picked for port 0).
  std::vector<Address> bound() const;
  void connect(const Address& peer);
  // The node's status as JSON (node_status.hpp: the fields `crdt status` prints): the store's
  // counts and conflicts, each known peer's lag, listening addresses and sessions.
  std::string status_json();
  std::vector<SessionReport> sessions();
  // Why a peer this node dials refused the last handshake (a wrong secret, no common protocol
  // version), if one did; the node keeps retrying with backoff regardless.
  std::optional<std::string> refusal();
  // Waits until every peer this node dials has finished its first exchange both ways (each side
  // has what the other held when the session began). False on timeout.
  bool wait_synced(std::chrono::milliseconds timeout);

  // Why the node stopped serving by itself, if it did: its store turned out unusable (no longer a
  // database, corrupt, or written by a newer version), or a bug escaped one of its callbacks. The
  // node then has no sessions and listens no more; stop() still ends it. A server should exit
  // on it (`crdt serve` does, with a non-zero status).
  std::optional<std::string> failure() const;

  ReplicaId id() const;
  persist::SharedStore& store();
  void stop();

  struct Impl;

 private:
  friend class Subscription;
  explicit Node(std::unique_ptr<Impl> impl);
  void log_advanced();
  static void notify_loop(Impl& impl);
  void unsubscribe(std::uint64_t id);

  template <class T>
  static const T* typed(const std::shared_ptr<const persist::AnyDocument>& state) {
    if (!state) return nullptr;
    const auto* document = dynamic_cast<const persist::DocumentOf<T>*>(state.get());
    return document == nullptr ? nullptr : &document->value();
  }

  std::unique_ptr<Impl> impl_;
};

}  // namespace crdt::sync
