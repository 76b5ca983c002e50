// PeerLink: one connection to a peer, up to whole authenticated messages.
//
// Below it, a Connection carries bytes; PeerLink runs the handshake over it (handshake.hpp),
// installs the session keys, turns bytes into checked frames (FrameReader) and messages into
// bytes (FrameWriter), and reassembles chunked messages. Above it, the sync protocol sees only
// established sessions and whole messages.
//
// Guarantees: nothing but handshake frames is delivered before the handshake is established; any
// error (a bad frame, a bad MAC, a refused handshake, a chunk violation, an unexpected handshake
// frame later) closes this connection alone, once, with a reason; a message larger than a frame
// is sent in chunks. on_closed is called exactly once, and never from inside send() or close().
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "chunking.hpp"
#include "crdt/sync/session_report.hpp"
#include "frame_reader.hpp"
#include "frame_writer.hpp"
#include "handshake.hpp"
#include "outbox.hpp"
#include "transport.hpp"

namespace crdt::sync {

class PeerLink final : public Connection::Handler, public Outbox {
 public:
  struct Events {
    std::function<void()> on_established;
    std::function<void(Frame)> on_message;
    std::function<void(const std::string& reason)> on_closed;
  };

  // Frames may be max_frame_size bytes once the handshake is established, and only
  // max_handshake_frame_size before (a stranger must not make the node buffer megabytes).
  PeerLink(std::shared_ptr<Connection> connection, Role role, HandshakeConfig config,
           std::size_t max_frame_size, Events events,
           std::size_t max_handshake_frame_size = kMaxHandshakeFrameSize,
           ReassemblyLimits reassembly = {});
  ~PeerLink() override;
  PeerLink(const PeerLink&) = delete;
  PeerLink& operator=(const PeerLink&) = delete;

  // Starts the connection and the handshake.
  void start();
  // Sends one message. One larger than a quarter of the connection's send queue goes in chunks,
  // which wait in the link and are handed to the connection as its queue drains (flush()), so a
  // state of any size gets through a bounded queue. False when the connection is closed or its
  // queue overflowed, or the chunks waiting would pass as much again; the link then closes itself
  // ("send queue full": backpressure).
  bool send(const Frame& message) override;
  // Hands waiting chunks to the connection while its queue is at most half full.
  void flush();
  std::size_t waiting_bytes() const { return waiting_bytes_; }
  void close(const std::string& reason);

  bool established() const { return handshake_.established(); }
  bool closed() const override { return closed_ || closing_; }
  ReplicaId peer_id() const { return handshake_.peer_id(); }
  std::uint32_t version() const { return handshake_.version(); }
  std::string remote() const { return connection_->remote(); }
  std::size_t queued_bytes() const { return connection_->queued_bytes(); }
  std::size_t unsent_bytes() const override { return waiting_bytes_ + connection_->queued_bytes(); }
  const LinkStats& stats() const { return stats_; }
  // Chunks received so far, and whether a chunked message is unfinished: a transfer that stops
  // progressing while pings keep the session alive must not hold its buffer for ever.
  std::uint64_t chunks_received() const { return chunks_received_; }
  bool transfer_unfinished() const { return reassembler_.transfers_in_progress() > 0; }
  // The named limit the peer broke, when the link closed for one (for the status counters).
  const char* breached_limit() const { return breached_limit_; }

 private:
  void on_bytes(ByteView bytes) override;
  void on_closed(const std::string& reason) override;
  bool send_frame(const Frame& frame);
  void read_frames();
  void handle(Frame frame);

  std::shared_ptr<Connection> connection_;
  Handshake handshake_;
  FrameReader reader_;
  FrameWriter writer_;
  Reassembler reassembler_;
  Events events_;
  LinkStats stats_;
  std::uint64_t next_transfer_ = 1;
  std::size_t max_frame_size_;
  std::uint64_t chunks_received_ = 0;
  const char* breached_limit_ = nullptr;
  std::deque<Frame> outbox_;  // chunks not yet handed to the connection
  std::size_t waiting_bytes_ = 0;
  bool closed_ = false;   // on_closed was reported
  bool closing_ = false;  // close() was called; nothing more is read or sent
  std::string refusal_;   // this side refused the handshake: why, reported when it closes
};

}  // namespace crdt::sync
