// Helpers for the command line tests: run the built `crdt` binary (CRDT_BINARY) with arguments,
// capturing its stdout, stderr and exit code, in a temporary directory removed afterwards.
#pragma once

#include <array>
#include <cerrno>
#include <fcntl.h>
#include <filesystem>
#include <initializer_list>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sstream>
#include <stdexcept>
#include <stdlib.h>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include <nlohmann/json.hpp>

#include "../support/temp_dir.hpp"

extern char** environ;

namespace crdt::cli::test {

using nlohmann::json;

struct Run {
  int exit_code = -1;  // the exit status, or 128 + the signal that killed it
  std::string out;
  std::string err;

  json parsed() const { return json::parse(out); }
  // JSON Lines output (dump, log): one value per line.
  std::vector<json> lines() const {
    std::vector<json> values;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) values.push_back(json::parse(line));
    }
    return values;
  }
};

// Runs CRDT_BINARY with `args`; never through a shell, so arguments reach it byte for byte.
inline Run run_crdt(const std::vector<std::string>& args) {
  std::array<int, 2> out_pipe{};
  std::array<int, 2> err_pipe{};
  if (::pipe2(out_pipe.data(), O_CLOEXEC) != 0 || ::pipe2(err_pipe.data(), O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe failed");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);
  std::vector<std::string> argv_strings{CRDT_BINARY};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& arg : argv_strings) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = ::posix_spawn(&pid, CRDT_BINARY, &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (spawned != 0) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    throw std::runtime_error("cannot run " CRDT_BINARY);
  }
  Run run;
  // Both pipes are drained together, so a child filling one of them never blocks forever.
  std::array<pollfd, 2> fds{pollfd{out_pipe[0], POLLIN, 0}, pollfd{err_pipe[0], POLLIN, 0}};
  std::array<std::string*, 2> sinks{&run.out, &run.err};
  int open_fds = 2;
  while (open_fds > 0) {
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buffer[4096];
      const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0) {
        sinks[i]->append(buffer, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return run;
}

using TempDir = crdt::test::TempDir;

// A store file in a fresh directory, and `crdt` run against it: crdt("counter", "inc", "c")
// runs `crdt counter inc --db FILE c`. The first one or two words are the command; --db goes
// after them, where every command accepts it.
class Cli {
 public:
  Cli() : db_(dir_.file("store.db")) {}

  const std::string& db() const { return db_; }
  std::string file(const std::string& name) const { return dir_.file(name); }

  // `command` is the command's words ("counter inc"), `args` what follows --db FILE.
  Run operator()(const std::string& command, const std::vector<std::string>& args = {}) const {
    return on(db_, command, args);
  }
  Run on(const std::string& db, const std::string& command,
         const std::vector<std::string>& args = {}) const {
    std::vector<std::string> argv;
    std::istringstream words(command);
    for (std::string word; words >> word;) argv.push_back(word);
    argv.push_back("--db");
    argv.push_back(db);
    argv.insert(argv.end(), args.begin(), args.end());
    return run_crdt(argv);
  }

 private:
  TempDir dir_;
  std::string db_;
};

}  // namespace crdt::cli::test
