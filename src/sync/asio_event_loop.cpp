// Timers live in a map keyed by id, and a timer's function runs only if its entry is still there
// when the wait completes: cancelling an Asio timer cannot recall a completion that is already
// queued, erasing the entry can. So a cancelled timer never runs, whatever the interleaving.
#include "asio_event_loop.hpp"

#include <iostream>
#include <stdexcept>
#include <system_error>
#include <utility>

#include <asio/post.hpp>

namespace crdt::sync {

AsioEventLoop::AsioEventLoop()
    : work_(asio::make_work_guard(io_)), start_(std::chrono::steady_clock::now()) {}

AsioEventLoop::~AsioEventLoop() {
  if (!thread_.joinable()) return;
  stop();
  thread_.join();
  if (!thread_failure_) return;
  try {
    std::rethrow_exception(thread_failure_);
  } catch (const std::exception& error) {
    std::cerr << "crdt::sync::AsioEventLoop: a callback threw: " << error.what() << '\n';
  } catch (...) {
    std::cerr << "crdt::sync::AsioEventLoop: a callback threw a non-standard exception\n";
  }
}

void AsioEventLoop::post(std::function<void()> fn) {
  if (!fn) throw std::invalid_argument("crdt::sync::AsioEventLoop::post: empty function");
  asio::post(io_, std::move(fn));
}

TimerId AsioEventLoop::schedule(std::chrono::milliseconds delay, std::function<void()> fn) {
  if (!fn) throw std::invalid_argument("crdt::sync::AsioEventLoop::schedule: empty function");
  const TimerId id = next_timer_++;
  auto entry = std::make_unique<Timer>(Timer{asio::steady_timer(io_, delay), std::move(fn)});
  // The handler holds only the id: it may outlive the entry (cancelled, then destroyed).
  entry->timer.async_wait([this, id](const std::error_code&) { fire(id); });
  timers_.emplace(id, std::move(entry));
  return id;
}

void AsioEventLoop::cancel(TimerId timer) {
  // Destroying the steady_timer aborts its wait; the completion then finds no entry.
  timers_.erase(timer);
}

void AsioEventLoop::fire(TimerId id) {
  const auto it = timers_.find(id);
  if (it == timers_.end()) return;
  // Erase before calling: the function may schedule or cancel timers, rehashing the map.
  auto fn = std::move(it->second->fn);
  timers_.erase(it);
  fn();
}

std::uint64_t AsioEventLoop::now_ms() const {
  const auto elapsed = std::chrono::steady_clock::now() - start_;
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count());
}

void AsioEventLoop::run() {
  // io_context::run() also returns when stopped by a stop() that has already been consumed by an
  // earlier run(), hence the flag and restart(): each run() lasts until its own stop().
  while (!stop_requested_.exchange(false)) {
    io_.restart();
    if (!on_failure_) {
      io_.run();
      continue;
    }
    try {
      io_.run();
    } catch (...) {
      on_failure_(std::current_exception());
    }
  }
}

void AsioEventLoop::stop() {
  stop_requested_.store(true);
  io_.stop();
}

void AsioEventLoop::start_thread() {
  if (thread_.joinable()) {
    throw std::logic_error("crdt::sync::AsioEventLoop: the loop thread is already running");
  }
  thread_failure_ = nullptr;
  thread_ = std::thread([this] {
    try {
      run();
    } catch (...) {
      // Kept for stop_and_join(): a failed test assertion inside a callback must reach the test.
      thread_failure_ = std::current_exception();
    }
  });
}

void AsioEventLoop::stop_and_join() {
  if (!thread_.joinable()) return;
  if (thread_.get_id() == std::this_thread::get_id()) {
    throw std::logic_error("crdt::sync::AsioEventLoop: stop_and_join() called on the loop thread");
  }
  stop();
  thread_.join();
  if (auto failure = std::exchange(thread_failure_, nullptr)) std::rethrow_exception(failure);
}

}  // namespace crdt::sync
