// `crdt serve` as a child process for the command line tests (network_test, hostile_test).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "cli_test_support.hpp"

namespace crdt::cli::test {

// `crdt serve` in the background: its first stdout line tells where it listens; its log goes to
// a file. Stopped with SIGTERM (or killed) when the object goes.
class Server {
 public:
  Server(const std::string& db, const std::string& log_file, std::vector<std::string> extra = {})
      : log_file_(log_file) {
    std::array<int, 2> out_pipe{};
    if (::pipe2(out_pipe.data(), O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log_file.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0644);
    std::vector<std::string> args{CRDT_BINARY, "serve", "--db", db, "--listen", "127.0.0.1:0"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    const int spawned = ::posix_spawn(&pid_, CRDT_BINARY, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out_pipe[1]);
    if (spawned != 0) throw std::runtime_error("cannot run " CRDT_BINARY);
    // The first line, within 10 s.
    std::string line;
    pollfd fd{out_pipe[0], POLLIN, 0};
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      if (::poll(&fd, 1, 100) <= 0) continue;
      char buffer[512];
      const ssize_t n = ::read(out_pipe[0], buffer, sizeof buffer);
      if (n <= 0) break;
      line.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(out_pipe[0]);
    if (line.find('\n') == std::string::npos) {
      stop(SIGKILL);
      throw std::runtime_error("crdt serve did not start: " + log());
    }
    address_ = json::parse(line.substr(0, line.find('\n')))["listening"][0].get<std::string>();
  }
  ~Server() { stop(SIGTERM); }

  const std::string& address() const { return address_; }
  pid_t pid() const { return pid_; }
  // Its resident memory in bytes (VmRSS), 0 when it cannot be read.
  std::uint64_t resident_bytes() const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
    }
    return 0;
  }
  std::uint16_t port() const {
    return static_cast<std::uint16_t>(std::stoi(address_.substr(address_.rfind(':') + 1)));
  }
  // Sends `signal` and waits (at most 20 s, then SIGKILL); the exit code as Run reports it.
  int stop(int signal) {
    if (pid_ <= 0) return exit_code_;
    ::kill(pid_, signal);
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    for (;;) {
      const pid_t done = ::waitpid(pid_, &status, WNOHANG);
      if (done == pid_) break;
      if (std::chrono::steady_clock::now() > deadline) ::kill(pid_, SIGKILL);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    pid_ = 0;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return exit_code_;
  }
  // The exit code if the process has exited by itself, -1 while it runs.
  int exited() {
    if (pid_ <= 0) return exit_code_;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) != pid_) return -1;
    pid_ = 0;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return exit_code_;
  }
  std::string log() const {
    std::ifstream in(log_file_);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

 private:
  std::string log_file_;
  pid_t pid_ = 0;
  int exit_code_ = -1;
  std::string address_;
};

}  // namespace crdt::cli::test
