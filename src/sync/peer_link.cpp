#include "peer_link.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace crdt::sync {

PeerLink::PeerLink(std::shared_ptr<Connection> connection, Role role, HandshakeConfig config,
                   std::size_t max_frame_size, Events events, std::size_t max_handshake_frame_size,
                   ReassemblyLimits reassembly)
    : connection_(std::move(connection)),
      handshake_(role, std::move(config)),
      reader_(std::max(kMinMaxFrameSize, std::min(max_frame_size, max_handshake_frame_size))),
      writer_(max_frame_size),
      reassembler_(reassembly),
      events_(std::move(events)),
      max_frame_size_(max_frame_size) {}

PeerLink::~PeerLink() { connection_->detach(); }

void PeerLink::start() {
  connection_->start(*this);
  for (const Frame& frame : handshake_.start()) send_frame(frame);
}

bool PeerLink::send_frame(const Frame& frame) {
  if (closed_ || closing_) return false;
  Bytes bytes = writer_.encode(frame);
  const std::size_t size = bytes.size();
  if (!connection_->send(std::move(bytes))) {
    close("send queue full (" + std::to_string(connection_->queued_bytes()) +
          " bytes queued): the peer does not read");
    return false;
  }
  stats_.bytes_sent += size;
  ++stats_.frames_sent;
  return true;
}

bool PeerLink::send(const Frame& message) {
  if (closed_ || closing_ || !handshake_.established()) return false;
  const std::size_t queue_share = connection_->max_queued_bytes() / 4;
  const std::size_t overhead = kLengthSize + kKindSize + kCrcSize + kMacSize + kMaxChunkHeaderSize;
  const std::size_t max_payload = std::min(
      writer_.max_payload_size(), queue_share > 2 * overhead ? queue_share - overhead : overhead);
  if (!needs_chunking(message.payload.size(), max_payload) && outbox_.empty()) {
    return send_frame(message);
  }
  // The waiting chunks are bounded like the connection's queue: a peer that does not read fills
  // both, then the link closes. One message always fits into an empty outbox.
  if (!outbox_.empty() &&
      waiting_bytes_ + message.payload.size() > connection_->max_queued_bytes()) {
    close("send queue full (" + std::to_string(waiting_bytes_ + connection_->queued_bytes()) +
          " bytes waiting): the peer does not read");
    return false;
  }
  if (!needs_chunking(message.payload.size(), max_payload)) {
    waiting_bytes_ += message.payload.size();
    outbox_.push_back(message);
  } else {
    for (Frame& chunk : split_into_chunks(message, next_transfer_++, max_payload)) {
      waiting_bytes_ += chunk.payload.size();
      outbox_.push_back(std::move(chunk));
    }
  }
  flush();
  return !closed_ && !closing_;
}

void PeerLink::flush() {
  while (!outbox_.empty() && !closed_ && !closing_) {
    const std::size_t queued = connection_->queued_bytes();
    if (queued > 0 &&
        queued + outbox_.front().payload.size() > connection_->max_queued_bytes() / 2) {
      return;
    }
    waiting_bytes_ -= outbox_.front().payload.size();
    const Frame frame = std::move(outbox_.front());
    outbox_.pop_front();
    if (!send_frame(frame)) return;
  }
}

void PeerLink::close(const std::string& reason) {
  if (closed_ || closing_) return;
  closing_ = true;
  // The connection reports on_closed later, on the loop; that is when the owner hears of it.
  connection_->close(reason);
}

void PeerLink::on_bytes(ByteView bytes) {
  if (closed_ || closing_ || !refusal_.empty()) return;
  stats_.bytes_received += bytes.size();
  reader_.feed(bytes);
  read_frames();
}

void PeerLink::read_frames() {
  while (!closed_ && !closing_ && refusal_.empty()) {
    ReadResult result = reader_.next();
    if (result.error) {
      if (*result.error == FrameError::too_large) {
        breached_limit_ = handshake_.established() ? "max_frame_size" : "max_handshake_frame_size";
      }
      close("bad frame: " + reader_.error_message());
      return;
    }
    if (!result.frame) return;
    ++stats_.frames_received;
    handle(std::move(*result.frame));
  }
}

void PeerLink::handle(Frame frame) {
  if (!handshake_.established()) {
    if (handshake_.refused() || !is_handshake_kind(frame.kind)) {
      close("unexpected " + std::string(to_string(frame.kind)) + " before the handshake");
      return;
    }
    const std::vector<Frame> replies = handshake_.handle(frame);
    for (const Frame& reply : replies) send_frame(reply);
    if (handshake_.refused()) {
      if (handshake_.refused_by_peer()) {
        close("refused by the peer: " + handshake_.refusal_reason());
      } else {
        // Our refusal must reach the peer, and closing now could drop it from the send queue:
        // the peer closes when it reads it (or the handshake timeout does). Nothing more is read.
        refusal_ = "refused: " + handshake_.refusal_reason();
      }
      return;
    }
    if (handshake_.established()) {
      writer_.set_key(handshake_.keys().send);
      reader_.set_key(handshake_.keys().receive);
      reader_.set_max_frame_size(max_frame_size_);
      if (events_.on_established) events_.on_established();
    }
    return;
  }
  if (is_handshake_kind(frame.kind)) {
    close("handshake message " + std::string(to_string(frame.kind)) + " after the handshake");
    return;
  }
  if (frame.kind == MessageKind::chunk) {
    ++chunks_received_;
    ReassemblyResult result = reassembler_.add(frame);
    if (result.error) {
      if (*result.error != ChunkError::malformed) breached_limit_ = "max_reassembly_bytes";
      close("bad chunk: " + reassembler_.error_message());
      return;
    }
    if (!result.message) return;
    frame = std::move(*result.message);
  }
  if (events_.on_message) events_.on_message(std::move(frame));
}

void PeerLink::on_closed(const std::string& reason) {
  if (closed_) return;
  closed_ = true;
  if (events_.on_closed) events_.on_closed(refusal_.empty() ? reason : refusal_);
}

}  // namespace crdt::sync
