#include "crdt/sync/node.hpp"

#include <atomic>
#include <future>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

#include "asio_event_loop.hpp"
#include "store_worker.hpp"
#include "sync_engine.hpp"
#include "tcp_transport.hpp"

namespace crdt::sync {

// Members in construction order, destroyed the other way: the engine goes first, then the store
// worker (whose jobs use the store and post to the loop), the store (whose committer thread may
// still wake the loop), then the transport and the loop.
struct Node::Impl {
  AsioEventLoop loop;
  // Parses large deltas messages beside the loop; stopped before the loop it posts results to.
  AsioEventLoop decoder;
  std::unique_ptr<TcpTransport> transport;
  persist::SharedStore store;
  std::unique_ptr<ThreadStoreWorker> worker;
  std::unique_ptr<SyncEngine> engine;
  std::thread::id loop_thread;
  std::atomic<bool> poll_requested{false};
  std::atomic<bool> stopped{false};
  mutable std::mutex failure_mutex;
  std::optional<std::string> failure;

  void record_failure(const std::string& reason) {
    std::lock_guard lock(failure_mutex);
    if (!failure) failure = reason;
  }

  explicit Impl(persist::Store opened) : store(std::move(opened)) {}

  // Runs f on the loop thread and returns its result (or rethrows its exception).
  template <class F>
  auto on_loop(F&& f) {
    using R = decltype(f());
    if (std::this_thread::get_id() == loop_thread) return f();
    std::packaged_task<R()> task(std::forward<F>(f));
    auto result = task.get_future();
    loop.post([&task] { task(); });
    return result.get();
  }
};

Subscription& Subscription::operator=(Subscription&& other) noexcept {
  if (this != &other) {
    reset();
    node_ = std::exchange(other.node_, nullptr);
    id_ = std::exchange(other.id_, 0);
  }
  return *this;
}

void Subscription::reset() {
  if (node_ != nullptr) node_->unsubscribe(id_);
  node_ = nullptr;
  id_ = 0;
}

std::unique_ptr<Node> Node::open(const std::string& file, NodeOptions options,
                                 persist::Options store_options) {
  if (store_options.background_checkpoint.count() == 0) {
    store_options.background_checkpoint = std::chrono::milliseconds(100);
  }
  auto impl = std::make_unique<Impl>(persist::Store::open(file, std::move(store_options)));
  // Every committed group, whichever thread wrote it, wakes the engine to send it.
  impl->store.set_commit_listener([&ref = *impl] { Node::notify_loop(ref); });
  TcpOptions tcp;
  tcp.max_queued_bytes = options.max_send_queue;
  impl->transport = std::make_unique<TcpTransport>(impl->loop, tcp);
  impl->worker = std::make_unique<ThreadStoreWorker>(impl->store);
  auto log = options.log;
  impl->engine =
      std::make_unique<SyncEngine>(impl->loop, *impl->transport, impl->store, std::move(options),
                                   impl->worker.get(), &impl->decoder);
  impl->engine->set_failure_handler(
      [&ref = *impl](const std::string& reason) { ref.record_failure(reason); });
  // A bug that escapes a callback (the engine catches what the store and the protocol throw)
  // must not leave a node that listens with no thread serving: it is reported, the engine
  // stops, and the loop goes on for stop().
  impl->loop.set_failure_handler([&ref = *impl, log](std::exception_ptr error) {
    std::string what = "non-standard exception";
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& exception) {
      what = exception.what();
    } catch (...) {
    }
    const std::string reason = "internal error: " + what;
    if (log) log("stopping: " + reason);
    ref.record_failure(reason);
    if (ref.engine) {
      try {
        ref.engine->stop();
      } catch (...) {
      }
    }
  });
  impl->decoder.start_thread();
  impl->loop.start_thread();
  Impl& ref = *impl;
  {
    std::promise<std::thread::id> started;
    auto id = started.get_future();
    ref.loop.post([&started] { started.set_value(std::this_thread::get_id()); });
    ref.loop_thread = id.get();
  }
  try {
    ref.on_loop([&ref] { ref.engine->start(); });
  } catch (...) {
    ref.on_loop([&ref] { ref.engine.reset(); });
    ref.loop.stop_and_join();
    throw;
  }
  return std::unique_ptr<Node>(new Node(std::move(impl)));
}

Node::Node(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Node::~Node() {
  try {
    stop();
  } catch (...) {
    // A destructor cannot report it; stop() called directly does.
  }
}

void Node::stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  Impl& impl = *impl_;
  impl.on_loop([&impl] {
    impl.engine->stop();
    impl.engine.reset();
  });
  impl.loop.stop_and_join();
  impl.decoder.stop_and_join();
  impl.transport.reset();
  impl.store.with_store([](persist::Store& s) { s.close(); });
}

bool Node::remove(std::string_view doc) {
  const bool removed = store().with_store([&](persist::Store& s) { return s.remove(doc); });
  log_advanced();
  return removed;
}

void Node::log_advanced() {
  if (impl_->stopped) return;
  notify_loop(*impl_);
}

void Node::notify_loop(Impl& impl) {
  if (impl.stopped) return;
  // One wake-up for any number of writes made before the loop gets to it.
  if (impl.poll_requested.exchange(true)) return;
  impl.loop.post([&impl] {
    impl.poll_requested = false;
    if (impl.engine) impl.engine->log_advanced();
  });
}

Subscription Node::subscribe_states(std::string prefix, StateCallback callback) {
  Impl& impl = *impl_;
  const std::uint64_t id = impl.on_loop([&] {
    return impl.engine->subscriptions().add(impl.engine->replica(), std::move(prefix),
                                            std::move(callback));
  });
  return Subscription(this, id);
}

Subscription Node::on_conflict(
    std::function<void(const std::string& doc, const std::string& type)> callback) {
  Impl& impl = *impl_;
  const std::uint64_t id = impl.on_loop(
      [&] { return impl.engine->subscriptions().add_conflict_listener(std::move(callback)); });
  return Subscription(this, id);
}

void Node::unsubscribe(std::uint64_t id) {
  if (impl_->stopped) return;
  Impl& impl = *impl_;
  impl.on_loop([&] {
    if (impl.engine) impl.engine->subscriptions().remove(id);
  });
}

std::vector<Address> Node::bound() const {
  Impl& impl = *impl_;
  return impl.on_loop([&] { return impl.engine->bound(); });
}

void Node::connect(const Address& peer) {
  Impl& impl = *impl_;
  impl.on_loop([&] { impl.engine->add_peer(peer); });
}

std::string Node::status_json() {
  Impl& impl = *impl_;
  return impl.on_loop([&] { return impl.engine->status_json(); });
}

std::vector<SessionReport> Node::sessions() {
  Impl& impl = *impl_;
  return impl.on_loop([&] { return impl.engine->sessions(); });
}

std::optional<std::string> Node::refusal() {
  Impl& impl = *impl_;
  return impl.on_loop([&] { return impl.engine->refusal(); });
}

bool Node::wait_synced(std::chrono::milliseconds timeout) {
  Impl& impl = *impl_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (impl.on_loop([&] { return impl.engine->dialed_peers_synced(); })) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return false;
}

std::optional<std::string> Node::failure() const {
  std::lock_guard lock(impl_->failure_mutex);
  return impl_->failure;
}

ReplicaId Node::id() const {
  return impl_->store.with_store([](persist::Store& s) { return s.replica(); });
}

persist::SharedStore& Node::store() { return impl_->store; }

}  // namespace crdt::sync
