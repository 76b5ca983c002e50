// ChildProcess: this program started again as another process (a benchmark's peer), with its
// stdout on a pipe the parent reads line by line.
//
// posix_spawn of /proc/self/exe, never fork(): the parent runs threads (its nodes), and a fork of a
// threaded process may inherit a lock some other thread held. stderr is shared with the parent.
// The destructor kills (SIGKILL) and reaps a child still running, so an error in the parent never
// leaves one behind.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace crdt::bench {

class ChildProcess {
 public:
  // Runs /proc/self/exe with `args` (argv[1] on).
  static ChildProcess spawn_self(const std::vector<std::string>& args);

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&&) = delete;
  ChildProcess(const ChildProcess&) = delete;
  ~ChildProcess();

  // The next line the child wrote (without its newline); nullopt on timeout or end of output.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout);
  // The exit code once the child exited (128 + signal when killed); nullopt on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout);

 private:
  ChildProcess(pid_t pid, int out) : pid_(pid), out_(out) {}
  pid_t pid_ = -1;
  int out_ = -1;
  std::string buffer_;
  bool eof_ = false;
};

}  // namespace crdt::bench
