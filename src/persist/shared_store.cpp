// Group commit after LevelDB's writer queue: callers queue up, the one at the front writes every
// request queued so far as one transaction while the rest wait, hands each its outcome, and wakes
// the next front. Each request's update runs under its own savepoint so that its failure undoes
// it alone.
#include "crdt/persist/shared_store.hpp"

#include <algorithm>

namespace crdt::persist {

SharedStore::SharedStore(Store store, std::size_t max_group)
    : store_(std::move(store)), max_group_(std::max<std::size_t>(max_group, 1)) {}

SharedStore SharedStore::open(const std::string& file, Options options, std::size_t max_group) {
  return SharedStore(Store::open(file, std::move(options)), max_group);
}

GroupCommitStats SharedStore::stats() const {
  std::lock_guard lock(mutex_);
  GroupCommitStats out = stats_;
  out.waiting = queue_.size();
  return out;
}

SharedStore::~SharedStore() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  committer_wake_.notify_all();
  if (committer_.joinable()) committer_.join();
}

void SharedStore::submit(Request& request) {
  std::unique_lock lock(mutex_);
  queue_.push_back(&request);
  request.wake.wait(lock, [&] { return request.done || queue_.front() == &request; });
  if (request.done) return;
  lead(lock, &request);
}

void SharedStore::submit_async(Request* request) {
  std::unique_lock lock(mutex_);
  queue_.push_back(request);
  if (!committer_.joinable()) committer_ = std::thread([this] { run_committer(); });
  if (queue_.front() == request) committer_wake_.notify_one();
}

void SharedStore::run_committer() {
  std::unique_lock lock(mutex_);
  for (;;) {
    committer_wake_.wait(lock, [&] {
      return (!queue_.empty() && queue_.front()->finish != nullptr) ||
             (stopping_ && queue_.empty());
    });
    if (queue_.empty()) return;  // stopping, with nothing left to write
    lead(lock, queue_.front());
  }
}

void SharedStore::lead(std::unique_lock<std::mutex>& lock, Request* front) {
  // The front of the queue writes; copied because later arrivals may reallocate the deque.
  std::vector<Request*> group;
  try {
    group.assign(queue_.begin(),
                 queue_.begin() + static_cast<std::ptrdiff_t>(std::min(queue_.size(), max_group_)));
  } catch (...) {
    group.clear();
    front->error = std::current_exception();
  }
  if (group.empty()) group.push_back(front);
  ++stats_.transactions;
  stats_.largest_group = std::max<std::uint64_t>(stats_.largest_group, group.size());
  lock.unlock();
  bool committed = false;
  if (!front->error) {
    std::lock_guard store_lock(store_mutex_);
    write_group(group);
    for (Request* member : group) committed = committed || !member->error;
  }
  if (committed && commit_listener_) commit_listener_();
  lock.lock();
  std::vector<Request*> finished;
  for (Request* member : group) {
    queue_.pop_front();
    ++stats_.updates;
    if (member->error) ++stats_.failed;
    if (member->finish != nullptr) {
      finished.push_back(member);
    } else if (member != front) {
      member->done = true;
      member->wake.notify_one();
    }
  }
  if (!queue_.empty()) {
    if (queue_.front()->finish != nullptr) {
      committer_wake_.notify_one();
    } else {
      queue_.front()->wake.notify_one();
    }
  }
  lock.unlock();
  // Outcomes of asynchronous updates are handed over outside the lock: a continuation may queue
  // more updates.
  for (Request* member : finished) member->finish(member);
  lock.lock();
}

void SharedStore::write_group(const std::vector<Request*>& group) {
  const auto fail_all_written = [&](const std::exception_ptr& error) {
    for (Request* member : group) {
      if (!member->error) member->error = error;
    }
  };
  try {
    store_.begin_batch();
  } catch (...) {
    fail_all_written(std::current_exception());
    return;
  }
  // A lone request needs no savepoint: its failure rolls back a transaction holding only itself.
  const bool isolate = group.size() > 1;
  // Writes one request; false when the whole transaction is lost (then everyone failed alike).
  const auto write_one = [&](Request* member) {
    if (store_.update_in_group(member->doc, *member->type, *member->mutate, isolate,
                               member->error) == Store::GroupStep::transaction_lost) {
      fail_all_written(member->error);
      return false;
    }
    return true;
  };
  for (std::size_t i = 0; i < group.size();) {
    // Consecutive updates of one document are joined into one delta: one log entry and one row
    // update instead of one each, which is most of the cost of a busy document.
    std::size_t end = i + 1;
    while (end < group.size() && group[end]->doc == group[i]->doc &&
           group[end]->type == group[i]->type) {
      ++end;
    }
    if (end - i > 1) {
      std::vector<const Store::Mutator*> mutators;
      for (std::size_t k = i; k < end; ++k) mutators.push_back(group[k]->mutate);
      const auto step = store_.update_run_in_group(group[i]->doc, *group[i]->type, mutators);
      if (step == Store::GroupStep::written) {
        i = end;
        continue;
      }
      if (step == Store::GroupStep::transaction_lost) {
        fail_all_written(std::make_exception_ptr(
            Error(ErrorCode::io, store_.file(), "the transaction was lost while joining updates")));
        return;
      }
      // A mutator threw: back to one savepoint each, so the failure stays with its own caller.
      // The mutators run again on the state as it was before the run.
    }
    for (std::size_t k = i; k < end; ++k) {
      if (!write_one(group[k])) return;
    }
    i = end;
  }
  try {
    store_.commit_batch();
  } catch (...) {
    fail_all_written(std::current_exception());
  }
}

}  // namespace crdt::persist
