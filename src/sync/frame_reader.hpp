// FrameReader: reassembles frames from the byte chunks a stream socket delivers, split anywhere.
//
// Guarantees:
//  - a frame is returned only when all of its bytes arrived and its CRC (and, once a key is
//    installed, its MAC under the next sequence number) checked out, and its kind is known;
//  - a length prefix above the maximum is refused as soon as its four bytes are buffered, before
//    any allocation depends on it; the buffer only ever holds bytes that were actually fed;
//  - after the first error the reader stays failed and returns that error forever: the stream has
//    lost its framing or its integrity, so the connection must be closed.
// Frames are parsed lazily, one per next() call, so a session key installed between two calls
// applies exactly from the frame after the one just returned.
//
// Not thread safe: one reader per connection, used by whoever owns the socket's receive side.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "crdt/sync/bytes.hpp"
#include "crypto.hpp"
#include "frame.hpp"

namespace crdt::sync {

// One step of reading: a frame, an error, or neither (more bytes are needed).
struct [[nodiscard]] ReadResult {
  std::optional<Frame> frame;
  std::optional<FrameError> error;

  bool need_more() const { return !frame.has_value() && !error.has_value(); }
};

class FrameReader {
 public:
  // Throws std::invalid_argument unless kMinMaxFrameSize <= max_frame_size <= 2^32 - 1.
  explicit FrameReader(std::size_t max_frame_size = kDefaultMaxFrameSize);

  // Appends received bytes (any number, including zero). Call next() until it needs more.
  void feed(ByteView bytes);

  // The next complete frame, or the (sticky) error, or neither when more bytes are needed.
  ReadResult next();

  // From the next frame on, frames may be this large (same range as the constructor's).
  void set_max_frame_size(std::size_t max_frame_size);

  // From the next frame on, every frame must carry a valid MAC under `key`, counting from 0.
  void set_key(const Key& key);
  bool has_key() const { return key_.has_value(); }

  bool failed() const { return error_.has_value(); }
  std::optional<FrameError> error() const { return error_; }
  // A sentence for the log: what was wrong, with the numbers ("frame length 4294967295 exceeds
  // the maximum of 16777216 bytes"). Empty while not failed.
  const std::string& error_message() const { return error_message_; }

  // Bytes fed but not yet returned as frames.
  std::size_t buffered() const { return buffer_.size() - offset_; }
  std::size_t max_frame_size() const { return max_frame_size_; }
  // MACed frames accepted so far.
  std::uint64_t sequence() const { return sequence_; }

 private:
  ReadResult fail(FrameError error, std::string message);

  std::size_t max_frame_size_;
  Bytes buffer_;
  std::size_t offset_ = 0;  // start of the first unread byte in buffer_
  std::optional<Key> key_;
  std::uint64_t sequence_ = 0;
  std::optional<FrameError> error_;
  std::string error_message_;
};

}  // namespace crdt::sync
