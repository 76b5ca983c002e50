// EventLoop: the one thread a node's engine runs on, with timers and a clock.
//
// Everything a node does (sessions, relaying, subscriptions' bookkeeping) happens in callbacks that
// an EventLoop runs one at a time, so the engine needs no locks. Production runs an Asio
// io_context on a thread (asio_event_loop.hpp); the simulation runs every node of a test on one
// virtual clock, so a schedule replays exactly from its seed.
//
// Contract for implementations:
// - post() may be called from any thread; the function runs later on the loop, never inside post().
// - schedule() and cancel() are called on the loop only. A cancelled timer never runs; cancelling
//   one that already ran, or 0, does nothing.
// - now_ms() is monotonic: physical milliseconds since an arbitrary start (virtual in simulation).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

namespace crdt::sync {

using TimerId = std::uint64_t;

class EventLoop {
 public:
  virtual ~EventLoop() = default;

  virtual void post(std::function<void()> fn) = 0;
  virtual TimerId schedule(std::chrono::milliseconds delay, std::function<void()> fn) = 0;
  virtual void cancel(TimerId timer) = 0;
  virtual std::uint64_t now_ms() const = 0;
};

}  // namespace crdt::sync
