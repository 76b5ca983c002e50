// Group commit after LevelDB's writer queue: callers queue up, the one at the front writes every
// request queued so far as one transaction while the rest wait, hands each its outcome, and wakes
// the next front. Each request's update runs under its own savepoint so that its failure undoes
// it alone.
#include "crdt/persist/shared_store.hpp"

#include <algorithm>

#include "sqlite/transaction.hpp"
#include "store_impl.hpp"

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

void SharedStore::submit(Request& request) {
  std::unique_lock lock(mutex_);
  queue_.push_back(&request);
  request.wake.wait(lock, [&] { return request.done || queue_.front() == &request; });
  if (request.done) return;

  // The front of the queue writes; copied because later arrivals may reallocate the deque.
  std::vector<Request*> group;
  try {
    group.assign(queue_.begin(),
                 queue_.begin() + static_cast<std::ptrdiff_t>(std::min(queue_.size(), max_group_)));
  } catch (...) {
    group.clear();
    request.error = std::current_exception();
  }
  if (group.empty()) group.push_back(&request);
  ++stats_.transactions;
  stats_.largest_group = std::max<std::uint64_t>(stats_.largest_group, group.size());
  lock.unlock();
  if (!request.error) {
    std::lock_guard store_lock(store_mutex_);
    write_group(group);
  }
  lock.lock();
  for (Request* member : group) {
    queue_.pop_front();
    ++stats_.updates;
    if (member->error) ++stats_.failed;
    if (member != &request) {
      member->done = true;
      member->wake.notify_one();
    }
  }
  if (!queue_.empty()) queue_.front()->wake.notify_one();
}

void SharedStore::write_group(const std::vector<Request*>& group) {
  Store::Impl& impl = *store_.impl_;
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
  for (Request* member : group) {
    const HlcStamp stored_clock = impl.stored_clock;
    try {
      std::optional<sqlite::Savepoint> savepoint;
      if (isolate) savepoint.emplace(impl.connection());
      store_.update_erased(member->doc, *member->type, *member->mutate);
      if (savepoint) savepoint->release();
    } catch (...) {
      member->error = std::current_exception();
      // The savepoint took the stamp it stored back with it; the others' updates stand.
      impl.stored_clock = stored_clock;
      impl.batch_failed = false;
      if (!isolate || !impl.connection().in_transaction()) {
        // SQLite abandoned the whole transaction (a disk or memory error): nobody's update is
        // left to commit, and the cause is the same for all.
        store_.abort_batch();
        fail_all_written(member->error);
        return;
      }
    }
  }
  try {
    store_.commit_batch();
  } catch (...) {
    fail_all_written(std::current_exception());
  }
}

}  // namespace crdt::persist
