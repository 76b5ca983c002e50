// Checkpointer: moves WAL checkpoints off the writers' path.
//
// SQLite's automatic checkpoint runs inside the commit that crosses the WAL size threshold, and
// it is the only place a commit in synchronous=NORMAL waits for the disk (an fsync of the
// database file): a latency spike of milliseconds every few hundred commits. With this, the
// store's connection does not checkpoint (wal_autocheckpoint = 0) and a thread with a connection
// of its own runs a PASSIVE checkpoint every interval, which never blocks writers or readers.
// Durability is unchanged: a commit is in the WAL before it returns, checkpointed or not.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace crdt::persist {

class Checkpointer {
 public:
  Checkpointer(std::string file, std::chrono::milliseconds interval);
  // Stops the thread after a last checkpoint.
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

 private:
  void run();

  std::string file_;
  std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace crdt::persist
