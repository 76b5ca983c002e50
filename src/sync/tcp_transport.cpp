// Invariants of a TcpConnection (all state is touched on the loop thread only):
// - closed_ becomes true once, in end(); from then on the socket is closed, nothing is delivered,
//   send() refuses, and both coroutines return at their next resumption without touching the
//   handler. on_closed() goes out once, from report_closed(), only after start() and never after
//   detach() (which also closes).
// - queued_ == total size of pending_ + writing_ while open: writing_ is the batch the one write in
//   flight refers to (it must not move until that write completes), pending_ what came since.
// - The writer waits on wake_writer_ (a timer that never expires) only when pending_ is empty, so
//   only a send() into an empty pending_ needs to cancel the wait.
// Each coroutine holds a shared_ptr to its connection, so the connection outlives its coroutines.
#include "tcp_transport.hpp"

#include <algorithm>
#include <exception>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/connect.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

namespace crdt::sync {
namespace {

// Network conditions come back as values, not exceptions: they are expected, not bugs. (as_tuple
// is still experimental in Asio 1.22; it moved to asio:: in 1.24.)
constexpr auto kAsTuple = asio::experimental::as_tuple(asio::use_awaitable);

constexpr std::size_t kReadBufferSize = 64 * 1024;
// A send() smaller than this is appended to the previous queued buffer instead of becoming a
// buffer of its own: many small frames then fill a few large buffers, and one write.
constexpr std::size_t kPackLimit = 64 * 1024;

std::string describe(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& exception) {
    return exception.what();
  } catch (...) {
    return "non-standard exception";
  }
}

std::string endpoint_text(const asio::ip::tcp::endpoint& endpoint) {
  return Address{endpoint.address().to_string(), endpoint.port()}.str();
}

}  // namespace

namespace detail {

class TcpConnection final : public Connection, public std::enable_shared_from_this<TcpConnection> {
 public:
  TcpConnection(asio::ip::tcp::socket socket, std::size_t max_queued_bytes)
      : socket_(std::move(socket)),
        wake_writer_(socket_.get_executor(), asio::steady_timer::time_point::max()),
        max_queued_(max_queued_bytes),
        read_buffer_(kReadBufferSize) {
    std::error_code error;
    const auto endpoint = socket_.remote_endpoint(error);
    remote_ = error ? std::string("unknown") : endpoint_text(endpoint);
  }

  void start(Handler& handler) override {
    if (started_) throw std::logic_error("crdt::sync::TcpConnection: started twice");
    started_ = true;
    if (!detached_) handler_ = &handler;
    if (closed_) {
      post_report_closed();
      return;
    }
    spawn(read_loop(shared_from_this()));
    spawn(write_loop(shared_from_this()));
  }

  bool send(Bytes bytes) override {
    if (closed_ || bytes.size() > max_queued_ - queued_) return false;
    if (bytes.empty()) return true;
    queued_ += bytes.size();
    if (pending_.empty()) {
      pending_.push_back(std::move(bytes));
      wake_writer_.cancel();
    } else if (pending_.back().size() + bytes.size() <= kPackLimit) {
      pending_.back().insert(pending_.back().end(), bytes.begin(), bytes.end());
    } else {
      pending_.push_back(std::move(bytes));
    }
    return true;
  }

  std::size_t queued_bytes() const override { return queued_; }
  std::size_t max_queued_bytes() const override { return max_queued_; }

  void close(const std::string& reason) override {
    if (closed_) return;
    end(reason);
    // Posted, never called from here: the caller may be inside its own handler.
    post_report_closed();
  }

  void detach() override {
    // The handler may be gone by the time anything queued runs: forget it first.
    detached_ = true;
    handler_ = nullptr;
    end("detached");
  }

  std::string remote() const override { return remote_; }

  bool closed() const { return closed_; }

 private:
  // Every coroutine of a connection ends up here: an exception is a bug (most likely in a
  // handler), so the connection closes and the exception goes on out of the loop's run().
  void spawn(asio::awaitable<void> task) {
    asio::co_spawn(socket_.get_executor(), std::move(task),
                   [self = shared_from_this()](const std::exception_ptr& error) {
                     if (!error) return;
                     self->end("internal error: " + describe(error));
                     self->report_closed();
                     std::rethrow_exception(error);
                   });
  }

  // `self` keeps the connection alive for as long as the coroutine runs.
  asio::awaitable<void> read_loop([[maybe_unused]] std::shared_ptr<TcpConnection> self) {
    while (!closed_) {
      auto [error, size] = co_await socket_.async_read_some(asio::buffer(read_buffer_), kAsTuple);
      if (closed_) co_return;
      if (error) {
        end(error == asio::error::eof ? std::string("closed by the peer")
                                      : "read failed: " + error.message());
        report_closed();
        co_return;
      }
      handler_->on_bytes(ByteView(read_buffer_.data(), size));
    }
  }

  asio::awaitable<void> write_loop([[maybe_unused]] std::shared_ptr<TcpConnection> self) {
    std::vector<asio::const_buffer> gather;
    while (!closed_) {
      if (pending_.empty()) {
        // Only ends by cancellation: from send(), or from end().
        co_await wake_writer_.async_wait(kAsTuple);
        continue;
      }
      writing_.swap(pending_);
      gather.clear();
      std::size_t batch = 0;
      for (const Bytes& bytes : writing_) {
        gather.push_back(asio::buffer(bytes));
        batch += bytes.size();
      }
      auto [error, written] = co_await asio::async_write(socket_, gather, kAsTuple);
      if (closed_) co_return;
      if (error) {
        end("write failed: " + error.message());
        report_closed();
        co_return;
      }
      queued_ -= batch;
      // clear() keeps the vector's capacity for the next swap; the byte buffers themselves go.
      writing_.clear();
    }
  }

  void end(const std::string& reason) {
    if (closed_) return;
    closed_ = true;
    close_reason_ = reason;
    std::error_code ignored;
    socket_.close(ignored);
    wake_writer_.cancel();
    // writing_ stays until the aborted write has completed; pending_ was never handed to Asio.
    pending_.clear();
    queued_ = 0;
  }

  void post_report_closed() {
    asio::post(socket_.get_executor(), [self = shared_from_this()] { self->report_closed(); });
  }

  void report_closed() {
    if (!started_ || reported_ || detached_) return;
    reported_ = true;
    handler_->on_closed(close_reason_);
  }

  asio::ip::tcp::socket socket_;
  asio::steady_timer wake_writer_;
  std::string remote_;
  std::size_t max_queued_;
  std::size_t queued_ = 0;
  std::vector<Bytes> pending_;
  std::vector<Bytes> writing_;
  std::vector<std::uint8_t> read_buffer_;
  Handler* handler_ = nullptr;
  bool started_ = false;
  bool closed_ = false;
  bool reported_ = false;
  bool detached_ = false;
  std::string close_reason_;
};

struct TcpListener {
  TcpListener(asio::io_context& io, Transport::AcceptHandler handler)
      : acceptor(io), backoff(io), on_accept(std::move(handler)) {}

  void stop() {
    stopped = true;
    std::error_code ignored;
    acceptor.close(ignored);
    backoff.cancel();
  }

  asio::ip::tcp::acceptor acceptor;
  asio::steady_timer backoff;
  Transport::AcceptHandler on_accept;
  bool stopped = false;
};

struct TcpConnectAttempt {
  explicit TcpConnectAttempt(asio::io_context& io) : resolver(io), socket(io), deadline(io) {}

  // Cuts the attempt short; the connect coroutine reports `why` when it resumes.
  void abort(const std::string& why) {
    if (!failure.empty()) return;
    failure = why;
    resolver.cancel();
    std::error_code ignored;
    socket.close(ignored);
    deadline.cancel();
  }

  asio::ip::tcp::resolver resolver;
  asio::ip::tcp::socket socket;
  asio::steady_timer deadline;
  std::string failure;
};

struct TcpRegistry {
  template <typename T>
  static void prune(std::vector<std::weak_ptr<T>>& items) {
    std::erase_if(items, [](const std::weak_ptr<T>& item) { return item.expired(); });
  }

  void track(const std::shared_ptr<TcpConnection>& connection) {
    // Pruning on insertion keeps the list as long as the live connections, amortized.
    std::erase_if(connections, [](const std::weak_ptr<TcpConnection>& item) {
      const auto live = item.lock();
      return !live || live->closed();
    });
    connections.push_back(connection);
  }

  void track(const std::shared_ptr<TcpConnectAttempt>& attempt) {
    prune(attempts);
    attempts.push_back(attempt);
  }

  std::vector<std::shared_ptr<TcpListener>> listeners;
  std::vector<std::weak_ptr<TcpConnectAttempt>> attempts;
  std::vector<std::weak_ptr<TcpConnection>> connections;
};

}  // namespace detail

namespace {

using detail::TcpConnectAttempt;
using detail::TcpConnection;
using detail::TcpListener;
using detail::TcpRegistry;

std::shared_ptr<TcpConnection> adopt(asio::ip::tcp::socket socket, const TcpOptions& options) {
  std::error_code ignored;  // a socket that cannot take the option still works, only slower
  socket.set_option(asio::ip::tcp::no_delay(options.no_delay), ignored);
  return std::make_shared<TcpConnection>(std::move(socket), options.max_queued_bytes);
}

asio::awaitable<void> accept_loop(std::shared_ptr<TcpListener> listener,
                                  std::shared_ptr<TcpRegistry> registry, TcpOptions options) {
  while (!listener->stopped) {
    auto [error, socket] = co_await listener->acceptor.async_accept(kAsTuple);
    if (listener->stopped) co_return;
    if (error) {
      // Out of descriptors, or a peer that reset before accept: keep listening, but pause so a
      // lasting condition does not spin the loop.
      listener->backoff.expires_after(std::chrono::milliseconds(100));
      co_await listener->backoff.async_wait(kAsTuple);
      continue;
    }
    auto connection = adopt(std::move(socket), options);
    registry->track(connection);
    listener->on_accept(std::move(connection));
  }
}

asio::awaitable<void> connect_flow(std::shared_ptr<TcpConnectAttempt> attempt,
                                   std::shared_ptr<TcpRegistry> registry, Address address,
                                   TcpOptions options, Transport::ConnectHandler on_done) {
  const std::string target = "connect to " + address.str() + ": ";
  attempt->deadline.expires_after(options.connect_timeout);
  attempt->deadline.async_wait([weak = std::weak_ptr<TcpConnectAttempt>(attempt),
                                timeout = options.connect_timeout](const std::error_code& error) {
    if (error) return;
    if (auto live = weak.lock()) {
      live->abort("timed out after " + std::to_string(timeout.count()) + " ms");
    }
  });

  std::vector<asio::ip::tcp::endpoint> endpoints;
  std::error_code not_literal;
  const auto literal = asio::ip::make_address(address.host, not_literal);
  if (!not_literal) {
    endpoints.emplace_back(literal, address.port);
  } else {
    auto [error, results] = co_await attempt->resolver.async_resolve(
        address.host, std::to_string(address.port), asio::ip::tcp::resolver::numeric_service,
        kAsTuple);
    if (!attempt->failure.empty()) {
      on_done(nullptr, target + attempt->failure);
      co_return;
    }
    if (error) {
      attempt->deadline.cancel();
      on_done(nullptr, target + "cannot resolve the host: " + error.message());
      co_return;
    }
    for (const auto& entry : results) endpoints.push_back(entry.endpoint());
  }

  auto [error, endpoint] = co_await asio::async_connect(attempt->socket, endpoints, kAsTuple);
  attempt->deadline.cancel();
  // A timeout or shutdown closes the socket, which the connect sees as a plain abort: the
  // recorded reason says which.
  if (!attempt->failure.empty()) {
    on_done(nullptr, target + attempt->failure);
    co_return;
  }
  if (error) {
    on_done(nullptr, target + error.message());
    co_return;
  }
  auto connection = adopt(std::move(attempt->socket), options);
  registry->track(connection);
  on_done(std::move(connection), "");
}

// For coroutines with no connection to close: an exception (a bug in a handler) leaves the loop.
void rethrow_if_failed(const std::exception_ptr& error) {
  if (error) std::rethrow_exception(error);
}

}  // namespace

TcpTransport::TcpTransport(AsioEventLoop& loop, TcpOptions options)
    : loop_(loop), options_(options), registry_(std::make_shared<detail::TcpRegistry>()) {}

TcpTransport::~TcpTransport() { shutdown(); }

Transport::ListenResult TcpTransport::listen(const Address& address, AcceptHandler on_accept) {
  if (!on_accept) throw std::invalid_argument("crdt::sync::TcpTransport::listen: no handler");
  const std::string where = "listen on " + address.str() + ": ";
  auto& io = loop_.context();

  asio::ip::tcp::endpoint endpoint;
  std::error_code error;
  const auto literal = asio::ip::make_address(address.host, error);
  if (!error) {
    endpoint = asio::ip::tcp::endpoint(literal, address.port);
  } else {
    asio::ip::tcp::resolver resolver(io);
    const auto results = resolver.resolve(
        address.host, std::to_string(address.port),
        asio::ip::tcp::resolver::passive | asio::ip::tcp::resolver::numeric_service, error);
    if (error) return {std::nullopt, where + "cannot resolve the host: " + error.message()};
    if (results.empty()) return {std::nullopt, where + "the host has no address"};
    endpoint = results.begin()->endpoint();
  }

  auto listener = std::make_shared<TcpListener>(io, std::move(on_accept));
  auto& acceptor = listener->acceptor;
  acceptor.open(endpoint.protocol(), error);
  // A restarted node must be able to bind while its old connections sit in TIME_WAIT.
  if (!error) acceptor.set_option(asio::ip::tcp::acceptor::reuse_address(true), error);
  if (!error) acceptor.bind(endpoint, error);
  if (!error) acceptor.listen(asio::socket_base::max_listen_connections, error);
  asio::ip::tcp::endpoint bound;
  if (!error) bound = acceptor.local_endpoint(error);
  if (error) return {std::nullopt, where + error.message()};

  registry_->listeners.push_back(listener);
  asio::co_spawn(io, accept_loop(listener, registry_, options_),
                 [listener](const std::exception_ptr& failure) {
                   if (failure) listener->stop();
                   rethrow_if_failed(failure);
                 });
  return {Address{bound.address().to_string(), bound.port()}, ""};
}

void TcpTransport::connect(const Address& address, ConnectHandler on_done) {
  if (!on_done) throw std::invalid_argument("crdt::sync::TcpTransport::connect: no handler");
  auto& io = loop_.context();
  auto attempt = std::make_shared<TcpConnectAttempt>(io);
  registry_->track(attempt);
  // co_spawn may start the coroutine inline, but it first suspends on an asynchronous operation,
  // and Asio never completes one inside its initiating call: on_done cannot run from here.
  asio::co_spawn(io, connect_flow(attempt, registry_, address, options_, std::move(on_done)),
                 rethrow_if_failed);
}

void TcpTransport::shutdown() {
  auto& registry = *registry_;
  for (const auto& listener : registry.listeners) listener->stop();
  registry.listeners.clear();
  for (const auto& weak : std::exchange(registry.attempts, {})) {
    if (auto attempt = weak.lock()) attempt->abort("transport shut down");
  }
  for (const auto& weak : std::exchange(registry.connections, {})) {
    if (auto connection = weak.lock()) connection->close("transport shut down");
  }
}

}  // namespace crdt::sync
