#include "checkpointer.hpp"

#include <exception>
#include <memory>
#include <utility>

#include "sqlite/connection.hpp"

namespace crdt::persist {

Checkpointer::Checkpointer(std::string file, std::chrono::milliseconds interval)
    : file_(std::move(file)), interval_(interval), thread_([this] { run(); }) {}

Checkpointer::~Checkpointer() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void Checkpointer::run() {
  std::unique_ptr<sqlite::Connection> connection;
  try {
    sqlite::OpenMode mode;
    mode.create = false;
    mode.busy_timeout = std::chrono::milliseconds(0);  // a busy checkpoint is simply skipped
    connection = std::make_unique<sqlite::Connection>(file_, mode);
  } catch (const std::exception&) {
    return;  // the store's own commits still work; SQLite checkpoints when the last one closes
  }
  std::unique_lock lock(mutex_);
  for (;;) {
    const bool stopping = wake_.wait_for(lock, interval_, [&] { return stop_; });
    lock.unlock();
    try {
      connection->exec("PRAGMA wal_checkpoint(PASSIVE)");
    } catch (const std::exception&) {
      // Busy or failing now: the next round tries again, and nothing depends on this one.
    }
    lock.lock();
    if (stopping) return;
  }
}

}  // namespace crdt::persist
