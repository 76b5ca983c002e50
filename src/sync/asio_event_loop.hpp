// AsioEventLoop: the production EventLoop, an asio::io_context run by one thread.
//
// Guarantees, on top of the EventLoop contract:
// - Every function given to post() or schedule() runs on the thread inside run(), one at a time,
//   in post() order for posts; never inside the call that queued it.
// - run() returns only after stop() (it does not return when idle), or by rethrowing an exception
//   that escaped a callback: such an exception is a bug, and the loop does not hide it. With a
//   failure handler set, the handler gets it instead and the loop goes on (a server must not end
//   up listening with no thread to serve).
// - start_thread() runs the loop on its own thread; stop_and_join() stops it, joins, and rethrows
//   the exception that ended the thread, if any. The destructor stops and joins too (it logs such
//   an exception to stderr instead of throwing).
// - post() and stop() may be called from any thread; schedule(), cancel() and context() users
//   belong to the loop thread (or to a time when no thread is running the loop).
// Objects that use context() (a TcpTransport, its connections) must be destroyed before the loop.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <thread>
#include <unordered_map>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include "event_loop.hpp"

namespace crdt::sync {

class AsioEventLoop final : public EventLoop {
 public:
  AsioEventLoop();
  // Stops and joins a thread started by start_thread(). Must not run on that thread.
  ~AsioEventLoop() override;

  AsioEventLoop(const AsioEventLoop&) = delete;
  AsioEventLoop& operator=(const AsioEventLoop&) = delete;

  void post(std::function<void()> fn) override;
  TimerId schedule(std::chrono::milliseconds delay, std::function<void()> fn) override;
  void cancel(TimerId timer) override;
  std::uint64_t now_ms() const override;

  // Runs callbacks on the calling thread until stop(). A stop() that came before run() makes it
  // return at once; after returning, run() may be called again.
  void run();
  // Makes run() return after the callback in progress, if any. Thread-safe.
  void stop();

  // Runs the loop on a new thread. Throws std::logic_error when one is already running.
  void start_thread();
  // Stops the loop thread and waits for it; rethrows the exception that escaped a callback, if
  // any. Does nothing when no thread was started. Throws std::logic_error on the loop thread.
  void stop_and_join();

  // Called on the loop thread with every exception that escapes a callback, after which the loop
  // keeps running. Set before start_thread().
  void set_failure_handler(std::function<void(std::exception_ptr)> handler) {
    on_failure_ = std::move(handler);
  }

  // For the Asio transport: its sockets and timers live on this context.
  asio::io_context& context() { return io_; }

 private:
  struct Timer {
    asio::steady_timer timer;
    std::function<void()> fn;
  };

  void fire(TimerId id);

  // Declared first so that it is destroyed last: timers and pending handlers refer to it.
  asio::io_context io_;
  // Keeps run() from returning when there is nothing to do: an idle node is still a node.
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::atomic<bool> stop_requested_{false};
  std::unordered_map<TimerId, std::unique_ptr<Timer>> timers_;
  TimerId next_timer_ = 1;
  std::chrono::steady_clock::time_point start_;
  std::thread thread_;
  std::exception_ptr thread_failure_;
  std::function<void(std::exception_ptr)> on_failure_;
};

}  // namespace crdt::sync
