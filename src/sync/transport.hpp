// Transport: how a node reaches its peers, as byte streams.
//
// A Connection is one ordered, reliable byte stream (a TCP connection, or a simulated link): bytes
// arrive in the order they were sent or the connection closes. Everything above it (frames,
// handshake, MACs, the sync protocol) is the same for every transport, so the simulated network
// exercises the code that runs in production.
//
// Contract for implementations:
// - Every callback runs on the EventLoop the transport was made for, never inside the call that
//   caused it (no re-entrancy: send() or close() never call the handler back synchronously).
// - send() queues the bytes and returns at once. The queue is bounded by max_queued_bytes(): a
//   send() that would pass it queues nothing and returns false, and the caller decides (the engine
//   closes the connection: a peer that stops reading gets backpressure, not unbounded memory).
// - After close(), or after on_closed() was called, nothing more is delivered and send() returns
//   false. on_closed() is called exactly once per started connection, with a reason for the log.
// - Listening and connecting report failures as text; they never throw for network conditions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "crdt/sync/address.hpp"
#include "crdt/sync/bytes.hpp"

namespace crdt::sync {

class Connection {
 public:
  struct Handler {
    virtual ~Handler() = default;
    virtual void on_bytes(ByteView bytes) = 0;
    virtual void on_closed(const std::string& reason) = 0;
  };

  virtual ~Connection() = default;

  // Starts delivering to `handler`, which must outlive the connection or its close().
  virtual void start(Handler& handler) = 0;
  // Queues bytes to send; false (nothing queued) when closed or when the queue would pass
  // max_queued_bytes().
  virtual bool send(Bytes bytes) = 0;
  // Bytes queued and not yet handed to the network.
  virtual std::size_t queued_bytes() const = 0;
  virtual std::size_t max_queued_bytes() const = 0;
  // Closes; queued bytes may be lost. on_closed() is still called, with this reason.
  virtual void close(const std::string& reason) = 0;
  // Closes if open and never calls the handler again, not even on_closed(): for a handler that is
  // being destroyed.
  virtual void detach() = 0;
  // Who is at the other end, for logs ("127.0.0.1:53122").
  virtual std::string remote() const = 0;
};

class Transport {
 public:
  using AcceptHandler = std::function<void(std::shared_ptr<Connection>)>;
  using ConnectHandler =
      std::function<void(std::shared_ptr<Connection> connection, const std::string& error)>;

  virtual ~Transport() = default;

  // Starts accepting on `address` (port 0 picks a free one). Returns the address actually bound,
  // or the error as text.
  struct ListenResult {
    std::optional<Address> bound;
    std::string error;
  };
  virtual ListenResult listen(const Address& address, AcceptHandler on_accept) = 0;
  // Connects to `address`; the handler gets the connection, or nullptr and the error.
  virtual void connect(const Address& address, ConnectHandler on_done) = 0;
  // Stops listening and closes every connection this transport made; handlers get on_closed().
  virtual void shutdown() = 0;
};

}  // namespace crdt::sync
