// StoreWorker: where a node's store work runs, so that no socket waits for an fsync.
//
// The engine's event loop serves every connection; a merge that commits (an fsync under
// Durability::full) or a long catch-up written on that thread would stall every other session's
// live updates. The engine hands such work to a StoreWorker instead and gets the results back as
// callbacks posted to its loop.
//
// Guarantees:
// - Jobs of one queue (the engine uses one per session) run one at a time, in the order they were
//   submitted; so a session's merges commit, and are acknowledged, in the order they arrived.
// - Queues are served in turn, one job run each: a session with a long backlog holds another's
//   next job back by at most one run. Long work is done in runs of bounded size: a job that
//   returns true has more to do and runs again, before the later jobs of its queue, once every
//   other queue had its turn (a large merge is committed in slices this way).
// - Queue kBackground (0) holds work nobody waits for (persisting acknowledgements, truncating
//   the log): its jobs run when no other queue has one, or after every kBackgroundEvery runs of
//   the others, so that they are never starved and never stand between a peer and its commit
//   for long.
// - A job runs with the store to itself (SharedStore::with_store); app threads' group commits go
//   between jobs.
// - stop(finish) ends the worker: with `finish`, after running every job already queued (a node
//   that stops persists what it was asked to, e.g. acknowledgements), otherwise discarding them
//   (a crash in the simulation). A job submitted after stop() is dropped. Nothing a job posts may
//   touch what is gone: the submitter guards its callbacks (SyncEngine uses a liveness flag).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "crdt/persist/shared_store.hpp"
#include "event_loop.hpp"

namespace crdt::sync {

class StoreWorker {
 public:
  using Job = std::function<bool(persist::Store&)>;
  static constexpr std::uint64_t kBackground = 0;
  static constexpr unsigned kBackgroundEvery = 4;

  virtual ~StoreWorker() = default;
  virtual void submit(std::uint64_t queue, Job job) = 0;
  virtual void stop(bool finish) = 0;
  // For the job running now (callable from it): whether a job of another session's queue waits,
  // so that a long one may end its run early and let it in.
  virtual bool others_waiting() const = 0;
};

// Runs the jobs on a thread of its own: production.
class ThreadStoreWorker final : public StoreWorker {
 public:
  explicit ThreadStoreWorker(persist::SharedStore& store);
  ~ThreadStoreWorker() override;
  ThreadStoreWorker(const ThreadStoreWorker&) = delete;
  ThreadStoreWorker& operator=(const ThreadStoreWorker&) = delete;

  void submit(std::uint64_t queue, Job job) override;
  void stop(bool finish) override;
  bool others_waiting() const override { return others_waiting_.load(std::memory_order_relaxed); }

 private:
  void run();
  void note_waiting();  // under mutex_

  persist::SharedStore& store_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::map<std::uint64_t, std::deque<Job>> queues_;
  std::uint64_t next_queue_ = 1;  // served next: the first queue at or after this key
  unsigned since_background_ = 0;
  std::uint64_t running_ = kBackground;  // the queue whose job runs now
  std::atomic<bool> others_waiting_{false};
  bool stopping_ = false;
  std::thread thread_;
};

// Runs each job as a task of the event loop, in the same turn-taking order: deterministic, for
// the simulation, where every node runs on one virtual clock.
class LoopStoreWorker final : public StoreWorker {
 public:
  LoopStoreWorker(EventLoop& loop, persist::SharedStore& store);
  ~LoopStoreWorker() override;

  void submit(std::uint64_t queue, Job job) override;
  void stop(bool finish) override;
  bool others_waiting() const override;

 private:
  void run_one();

  EventLoop& loop_;
  persist::SharedStore& store_;
  std::map<std::uint64_t, std::deque<Job>> queues_;
  std::uint64_t next_queue_ = 1;
  unsigned since_background_ = 0;
  std::uint64_t running_ = kBackground;
  bool scheduled_ = false;
  bool stopped_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace crdt::sync
