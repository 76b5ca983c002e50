// SharedStore: one Store shared by many threads, with group commit.
//
// Guarantees:
// - Thread-safe: every member may be called from any thread at once.
// - Group commit: update() calls that arrive while a transaction is being written wait, and the
//   first of them then writes all that have gathered (up to max_group) as one
//   BEGIN IMMEDIATE transaction with one commit, so one fsync serves them all. A call that finds
//   nothing in flight is written at once, alone: grouping never waits for company.
// - Durable on return, as with Store::update: a call returns (or throws) only after the
//   transaction holding its update has committed (or failed). Its return value, or its exception,
//   goes to that caller alone.
// - Isolation: each update of a group runs in arrival order and sees the updates before it. A
//   mutator that throws (or an update that fails, e.g. a wrong type) is rolled back alone and its
//   exception is rethrown to its caller; the others in the group still commit. Consecutive
//   updates of one document are joined into one delta (one log entry, one row write); if one of
//   them throws, that run is rolled back and its updates are written again one by one, each in
//   its own savepoint, so their mutators may run twice (they must not count on running once). Only
//   a failure of the group's transaction itself (its COMMIT, or a disk error after which SQLite
//   abandons the transaction) fails every caller in it that had not already failed, and then none
//   of their updates was written.
// - A mutator may run on another caller's thread (whichever thread writes the group) while its
//   own caller waits; it must not call back into this SharedStore or its Store.
// - Reads and with_store() wait for a transaction in flight; they never see a group half-written.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "crdt/persist/store.hpp"

namespace crdt::persist {

struct GroupCommitStats {
  std::uint64_t updates = 0;       // update() calls finished, successful or not
  std::uint64_t failed = 0;        // of which threw
  std::uint64_t transactions = 0;  // group transactions begun (each at most one fsync)
  std::uint64_t largest_group = 0;
  std::size_t waiting = 0;  // calls queued or being written right now
};

class SharedStore {
 public:
  // The most updates one transaction gathers, which bounds how long the first of them waits.
  static constexpr std::size_t kDefaultMaxGroup = 1024;

  explicit SharedStore(Store store, std::size_t max_group = kDefaultMaxGroup);
  static SharedStore open(const std::string& file, Options options = {},
                          std::size_t max_group = kDefaultMaxGroup);

  SharedStore(const SharedStore&) = delete;
  SharedStore& operator=(const SharedStore&) = delete;

  // As Store::update, under the guarantees above.
  template <class T, class F>
  auto update(std::string_view doc, F&& f);

  // As update(), without waiting: the future holds f's result, or its exception, once the
  // transaction holding the update committed (or failed). Updates are written in the order they
  // were queued, by the thread at the front of the queue or, when an asynchronous update is at
  // the front, by the store's committer thread; so one thread issuing many of these gets them
  // committed in groups. f runs on that other thread and must stay valid until then (it is
  // moved into the request).
  template <class T, class F>
  auto update_async(std::string doc, F f) -> std::future<std::invoke_result_t<F&, T&, Writer&>>;

  // Called, on the writing thread, after every group that committed at least one update: how a
  // sync engine learns of new log entries without polling. Set it before sharing the store.
  void set_commit_listener(std::function<void()> listener) {
    commit_listener_ = std::move(listener);
  }

  ~SharedStore();

  template <class T>
  std::optional<T> read(std::string_view doc) {
    std::lock_guard lock(store_mutex_);
    return store_.read<T>(doc);
  }

  // Runs f(Store&) with the store to itself, for everything else the Store offers.
  template <class F>
  decltype(auto) with_store(F&& f) {
    std::lock_guard lock(store_mutex_);
    return std::invoke(std::forward<F>(f), store_);
  }

  GroupCommitStats stats() const;

 private:
  struct Request {
    std::string_view doc;
    const DocumentType* type = nullptr;
    const Store::Mutator* mutate = nullptr;
    std::exception_ptr error;
    bool done = false;
    std::condition_variable wake;
    // Set for an asynchronous request, which owns itself: called once its group ended, it hands
    // the outcome over and deletes the request.
    void (*finish)(Request*) = nullptr;
  };

  template <class T, class F, class R>
  struct AsyncRequest : Request {
    AsyncRequest(std::string doc_id, F f) : id(std::move(doc_id)), fn(std::move(f)) {}
    std::string id;
    F fn;
    R result{};
    Store::Mutator mutator;
    std::promise<R> promise;
  };

  // Queues an asynchronous request (owned by the queue from now on).
  void submit_async(Request* request);
  // Writes groups from the front of the queue while the front is an asynchronous request.
  void run_committer();
  // With `lock` held and `front` at the front of the queue: writes one group, then hands every
  // member its outcome. Returns with `lock` held.
  void lead(std::unique_lock<std::mutex>& lock, Request* front);

  // Queues `request` and returns once the transaction holding it has ended; its error, if any,
  // is left in request.error.
  void submit(Request& request);
  // Writes `group` as one transaction; sets each request's error.
  void write_group(const std::vector<Request*>& group);

  Store store_;
  std::size_t max_group_;
  std::mutex store_mutex_;    // held while the store is used
  mutable std::mutex mutex_;  // guards queue_ and stats_
  std::deque<Request*> queue_;
  GroupCommitStats stats_;
  std::function<void()> commit_listener_;
  // The committer thread, started by the first asynchronous update.
  std::thread committer_;
  std::condition_variable committer_wake_;
  bool stopping_ = false;
};

template <class T, class F>
auto SharedStore::update(std::string_view doc, F&& f) {
  std::invoke_result_t<F&, T&, Writer&> result{};
  const Store::Mutator mutate = Store::typed_mutator<T>(f, result);
  Request request;
  request.doc = doc;
  request.type = &document_type<T>();
  request.mutate = &mutate;
  submit(request);
  if (request.error) std::rethrow_exception(request.error);
  return result;
}

template <class T, class F>
auto SharedStore::update_async(std::string doc, F f)
    -> std::future<std::invoke_result_t<F&, T&, Writer&>> {
  using R = std::invoke_result_t<F&, T&, Writer&>;
  auto* request = new AsyncRequest<T, F, R>(std::move(doc), std::move(f));
  request->doc = request->id;
  request->type = &document_type<T>();
  request->mutator = Store::typed_mutator<T>(request->fn, request->result);
  request->mutate = &request->mutator;
  request->finish = [](Request* base) {
    auto* self = static_cast<AsyncRequest<T, F, R>*>(base);
    if (self->error) {
      self->promise.set_exception(self->error);
    } else {
      self->promise.set_value(std::move(self->result));
    }
    delete self;
  };
  auto future = request->promise.get_future();
  submit_async(request);
  return future;
}

}  // namespace crdt::persist
