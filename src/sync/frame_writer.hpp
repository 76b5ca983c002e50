// FrameWriter: turns frames into bytes for one direction of one connection (frame.hpp gives the
// format). Once a session key is installed every frame it writes carries a MAC over its sequence
// number, so the writer must see every frame sent on the connection, in sending order, exactly
// once.
//
// Not thread safe: one writer per connection direction, used by whoever owns the socket's send
// side.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "crdt/sync/bytes.hpp"
#include "crypto.hpp"
#include "frame.hpp"

namespace crdt::sync {

class FrameWriter {
 public:
  // Throws std::invalid_argument unless kMinMaxFrameSize <= max_frame_size <= 2^32 - 1.
  explicit FrameWriter(std::size_t max_frame_size = kDefaultMaxFrameSize);

  // From the next frame on, every frame carries a MAC under `key`, counting from sequence 0.
  // Installed once, after the handshake frames were written (handshake.hpp says when).
  void set_key(const Key& key);
  bool has_key() const { return key_.has_value(); }

  // The largest payload encode() accepts now; larger messages go through chunking.hpp.
  std::size_t max_payload_size() const;

  // Appends the encoded frame to `out`. Throws std::length_error when the payload exceeds
  // max_payload_size(): the caller chunks instead; nothing is written and no sequence is consumed.
  void encode_to(const Frame& frame, Bytes& out);
  [[nodiscard]] Bytes encode(const Frame& frame);

  // MACed frames written so far.
  std::uint64_t sequence() const { return sequence_; }

 private:
  std::size_t max_frame_size_;
  std::optional<Key> key_;
  std::uint64_t sequence_ = 0;
};

}  // namespace crdt::sync
