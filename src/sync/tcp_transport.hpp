// TcpTransport: the production Transport, TCP over Asio with C++20 coroutines.
//
// Guarantees, on top of the Transport contract (transport.hpp):
// - Every call (listen, connect, shutdown, and every Connection method) is made on the loop thread,
//   or while no thread runs the loop; every callback runs on the loop thread, never inside the call
//   that caused it.
// - Each connection has one reader (64 KiB reads, delivered as they arrive) and one writer that
//   hands everything queued to the kernel in one gathered write, small sends having been packed
//   together first: a burst of small frames costs a few syscalls, not one each. TCP_NODELAY is on
//   by default, since frames are already batched here.
// - queued_bytes() counts bytes the kernel has not yet accepted, including those of the write in
//   progress, so a peer that stops reading stops the queue from draining and send() returns false
//   at max_queued_bytes: a connection's memory is bounded by that option (plus the spare capacity
//   of packed buffers) and one read buffer.
// - A started connection stays alive while its reader or writer runs, even if the caller drops
//   its shared_ptr: only close(), detach(), shutdown(), or the peer end it. on_closed() comes
//   exactly once per started connection, unless detach() came first.
// - connect() gives up after connect_timeout (resolution included) and reports "timed out".
//   listen() resolves a host name synchronously (it is a start-up call; a literal address never
//   touches the resolver); connect() resolves asynchronously.
// - Exceptions escaping a callback (a bug) close the connection concerned and are rethrown out of
//   the loop's run(): nothing is swallowed.
// The AsioEventLoop must outlive the transport and every connection it made.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>

#include "asio_event_loop.hpp"
#include "transport.hpp"

namespace crdt::sync {

namespace detail {
// The transport's bookkeeping (listeners, connects in progress, live connections), shared with its
// coroutines so that they can outlive the transport safely. Defined in tcp_transport.cpp.
struct TcpRegistry;
}  // namespace detail

struct TcpOptions {
  std::size_t max_queued_bytes = std::size_t{64} << 20;
  std::chrono::milliseconds connect_timeout{5000};
  bool no_delay = true;
};

class TcpTransport final : public Transport {
 public:
  explicit TcpTransport(AsioEventLoop& loop, TcpOptions options = {});
  // Calls shutdown(): listeners stop, live connections close (their on_closed() is posted).
  ~TcpTransport() override;

  TcpTransport(const TcpTransport&) = delete;
  TcpTransport& operator=(const TcpTransport&) = delete;

  // Binds and listens at once; accepts in the background. Several listeners may coexist.
  ListenResult listen(const Address& address, AcceptHandler on_accept) override;
  // on_done runs exactly once, on the loop: with a connection not yet started, or nullptr and an
  // error ("connect to 127.0.0.1:7000: Connection refused", "... timed out", "transport shut
  // down").
  void connect(const Address& address, ConnectHandler on_done) override;
  // Stops every listener, aborts connects in progress and closes every live connection. The
  // transport stays usable: later listen() and connect() calls work.
  void shutdown() override;

  const TcpOptions& options() const { return options_; }

 private:
  AsioEventLoop& loop_;
  TcpOptions options_;
  std::shared_ptr<detail::TcpRegistry> registry_;
};

}  // namespace crdt::sync
