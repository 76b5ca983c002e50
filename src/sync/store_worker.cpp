#include "store_worker.hpp"

#include <utility>

namespace crdt::sync {

namespace {

using Queues = std::map<std::uint64_t, std::deque<StoreWorker::Job>>;

// Takes the next job in turn: the front of the first non-empty foreground queue at or after
// `next`, wrapping around; the background queue's when no foreground queue has a job or when it
// waited kBackgroundEvery runs. Returns false when every queue is empty.
bool take_next(Queues& queues, std::uint64_t& next, unsigned& since_background,
               std::uint64_t& queue, StoreWorker::Job& out) {
  if (queues.empty()) return false;
  auto background = queues.find(StoreWorker::kBackground);
  const bool foreground = queues.size() > (background == queues.end() ? 0 : 1);
  auto it = background;
  if (background == queues.end() ||
      (foreground && since_background < StoreWorker::kBackgroundEvery)) {
    it = queues.lower_bound(std::max<std::uint64_t>(next, StoreWorker::kBackground + 1));
    if (it == queues.end()) it = queues.upper_bound(StoreWorker::kBackground);
    next = it->first + 1;
    since_background = background == queues.end() ? 0 : since_background + 1;
  } else {
    since_background = 0;
  }
  queue = it->first;
  out = std::move(it->second.front());
  it->second.pop_front();
  if (it->second.empty()) queues.erase(it);
  return true;
}

// A job that has more to do goes back to the front of its queue: before that queue's later jobs,
// after the other queues' next ones (take_next moved past it).
void put_back(Queues& queues, std::uint64_t queue, StoreWorker::Job job) {
  queues[queue].push_front(std::move(job));
}

// Whether a session other than `running` has a job queued (background work does not count).
bool waiting_besides(const Queues& queues, std::uint64_t running) {
  for (const auto& [queue, jobs] : queues) {
    if (queue != StoreWorker::kBackground && queue != running) return true;
  }
  return false;
}

}  // namespace

ThreadStoreWorker::ThreadStoreWorker(persist::SharedStore& store)
    : store_(store), thread_([this] { run(); }) {}

ThreadStoreWorker::~ThreadStoreWorker() { stop(false); }

void ThreadStoreWorker::submit(std::uint64_t queue, Job job) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    queues_[queue].push_back(std::move(job));
    note_waiting();
  }
  wake_.notify_one();
}

void ThreadStoreWorker::stop(bool finish) {
  {
    std::lock_guard lock(mutex_);
    if (!finish) queues_.clear();
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void ThreadStoreWorker::note_waiting() {
  others_waiting_.store(waiting_besides(queues_, running_), std::memory_order_relaxed);
}

void ThreadStoreWorker::run() {
  for (;;) {
    Job job;
    std::uint64_t queue = 0;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queues_.empty(); });
      // Stopping: what is still queued was asked to finish (stop discards otherwise).
      if (queues_.empty()) return;
      take_next(queues_, next_queue_, since_background_, queue, job);
      running_ = queue;
      note_waiting();
    }
    // A job reports its own failures (the engine's jobs catch and post them back).
    const bool more = store_.with_store(job);
    if (more) {
      std::lock_guard lock(mutex_);
      put_back(queues_, queue, std::move(job));
    }
  }
}

LoopStoreWorker::LoopStoreWorker(EventLoop& loop, persist::SharedStore& store)
    : loop_(loop), store_(store) {}

LoopStoreWorker::~LoopStoreWorker() {
  *alive_ = false;
  stop(false);
}

void LoopStoreWorker::submit(std::uint64_t queue, Job job) {
  if (stopped_) return;
  queues_[queue].push_back(std::move(job));
  if (scheduled_) return;
  scheduled_ = true;
  loop_.post([this, alive = alive_] {
    if (*alive) run_one();
  });
}

void LoopStoreWorker::stop(bool finish) {
  if (stopped_) return;
  // Here, on the loop, until every queued job (and what it still has to do) has run.
  Job job;
  std::uint64_t queue = 0;
  while (finish && take_next(queues_, next_queue_, since_background_, queue, job)) {
    if (store_.with_store(job)) put_back(queues_, queue, std::move(job));
  }
  stopped_ = true;
  queues_.clear();
}

bool LoopStoreWorker::others_waiting() const { return waiting_besides(queues_, running_); }

void LoopStoreWorker::run_one() {
  scheduled_ = false;
  Job job;
  std::uint64_t queue = 0;
  if (stopped_ || !take_next(queues_, next_queue_, since_background_, queue, job)) return;
  running_ = queue;
  const bool more = store_.with_store(job);
  if (more && !stopped_) put_back(queues_, queue, std::move(job));
  // One run per loop task, so the loop's other work (other nodes' traffic in the simulation) goes
  // between runs, as it would beside a worker thread.
  if (!queues_.empty() && !scheduled_) {
    scheduled_ = true;
    loop_.post([this, alive = alive_] {
      if (*alive) run_one();
    });
  }
}

}  // namespace crdt::sync
