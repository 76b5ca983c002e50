// HostilePeer: a client that holds the secret and sends whatever a test forges, over a blocking
// TCP socket to 127.0.0.1, with the library's own handshake and frame code: what a compromised
// device could do to a hub. Every wait has a deadline, so a test using it ends by itself.
#pragma once

#include <arpa/inet.h>
#include <chrono>
#include <cstdint>
#include <netinet/in.h>
#include <optional>
#include <poll.h>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <unistd.h>
#include <utility>
#include <vector>

#include "frame_reader.hpp"
#include "frame_writer.hpp"
#include "handshake.hpp"

namespace crdt::sync::test {

class HostilePeer {
 public:
  HostilePeer(std::uint16_t port, std::optional<Bytes> secret)
      : handshake_(Role::initiator,
                   HandshakeConfig{ReplicaId::random(), supported_versions(), std::move(secret)}) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
      throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port));
    }
    for (const Frame& frame : handshake_.start()) write_raw(writer_.encode(frame));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!handshake_.established() && !handshake_.refused()) {
      const auto frame = next_frame(deadline);
      if (!frame) throw std::runtime_error("the handshake did not finish");
      for (const Frame& reply : handshake_.handle(*frame)) write_raw(writer_.encode(reply));
    }
    if (!handshake_.established()) {
      throw std::runtime_error("refused: " + handshake_.refusal_reason());
    }
    writer_.set_key(handshake_.keys().send);
    reader_.set_key(handshake_.keys().receive);
  }
  ~HostilePeer() {
    if (fd_ >= 0) ::close(fd_);
  }
  HostilePeer(const HostilePeer&) = delete;
  HostilePeer& operator=(const HostilePeer&) = delete;

  ReplicaId id() const { return handshake_.peer_id(); }

  // Sends one message under the session MAC; false once the node closed the connection.
  bool send(const Frame& frame) { return write_raw(writer_.encode(frame)); }

  // The next message, or nothing when the connection closed or `wait` passed.
  std::optional<Frame> receive(std::chrono::milliseconds wait) {
    return next_frame(std::chrono::steady_clock::now() + wait);
  }

  // Reads and drops what arrives until the node closes the connection (true) or `wait` passes.
  bool closed_within(std::chrono::milliseconds wait) {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (std::chrono::steady_clock::now() < deadline) {
      if (closed_) return true;
      (void)next_frame(deadline);
    }
    return closed_;
  }

 private:
  bool write_raw(const Bytes& bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n <= 0) {
        closed_ = true;
        return false;
      }
      done += static_cast<std::size_t>(n);
    }
    return true;
  }

  std::optional<Frame> next_frame(std::chrono::steady_clock::time_point deadline) {
    for (;;) {
      ReadResult result = reader_.next();
      if (result.frame) return std::move(result.frame);
      if (result.error || closed_) return std::nullopt;
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd fd{fd_, POLLIN, 0};
      if (::poll(&fd, 1, static_cast<int>(left.count())) <= 0) continue;
      std::uint8_t buffer[65536];
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) {
        closed_ = true;
        return std::nullopt;
      }
      reader_.feed(ByteView(buffer, static_cast<std::size_t>(n)));
    }
  }

  Handshake handshake_;
  FrameWriter writer_;
  FrameReader reader_;
  int fd_ = -1;
  bool closed_ = false;
};

}  // namespace crdt::sync::test
