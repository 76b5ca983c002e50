#include "frame_reader.hpp"

#include <stdexcept>
#include <utility>

#include "frame_codec.hpp"

namespace crdt::sync {
namespace {
constexpr std::size_t kKeepCapacity = std::size_t{1} << 20;
}  // namespace

FrameReader::FrameReader(std::size_t max_frame_size) : max_frame_size_(max_frame_size) {
  if (max_frame_size < kMinMaxFrameSize || max_frame_size > 0xFFFFFFFFu) {
    throw std::invalid_argument("crdt::sync::FrameReader: maximum frame size out of range");
  }
}

void FrameReader::set_max_frame_size(std::size_t max_frame_size) {
  if (max_frame_size < kMinMaxFrameSize || max_frame_size > 0xFFFFFFFFu) {
    throw std::invalid_argument("crdt::sync::FrameReader: maximum frame size out of range");
  }
  max_frame_size_ = max_frame_size;
}

void FrameReader::feed(ByteView bytes) {
  if (failed()) return;  // nothing will ever be read again, so keep nothing
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
}

void FrameReader::set_key(const Key& key) {
  key_ = key;
  sequence_ = 0;
}

ReadResult FrameReader::fail(FrameError error, std::string message) {
  error_ = error;
  error_message_ = std::move(message);
  Bytes().swap(buffer_);
  offset_ = 0;
  return ReadResult{std::nullopt, error_};
}

ReadResult FrameReader::next() {
  if (error_) return ReadResult{std::nullopt, error_};
  const std::size_t available = buffer_.size() - offset_;
  if (available < kLengthSize) return {};
  const std::uint8_t* start = buffer_.data() + offset_;
  const std::size_t length = detail::get_u32(start);
  if (length > max_frame_size_) {
    return fail(FrameError::too_large, "frame length " + std::to_string(length) +
                                           " exceeds the maximum of " +
                                           std::to_string(max_frame_size_) + " bytes");
  }
  const std::size_t mac_size = key_.has_value() ? kMacSize : 0;
  if (length < kKindSize + kCrcSize + mac_size) {
    return fail(FrameError::too_short, "frame length " + std::to_string(length) +
                                           " cannot hold kind, checksum" +
                                           (key_.has_value() ? " and MAC" : ""));
  }
  if (available - kLengthSize < length) return {};

  const std::uint8_t kind = start[kLengthSize];
  const ByteView payload(start + kLengthSize + kKindSize, length - kKindSize - kCrcSize - mac_size);
  const std::uint8_t* crc_bytes = payload.data() + payload.size();
  if (detail::get_u32(crc_bytes) != detail::frame_crc(kind, payload)) {
    return fail(FrameError::bad_checksum, "frame checksum mismatch (kind byte " +
                                              std::to_string(kind) + ", " +
                                              std::to_string(payload.size()) + " payload bytes)");
  }
  if (key_.has_value()) {
    const Digest expected = detail::frame_mac(*key_, sequence_, kind, payload);
    if (!constant_time_equal(expected, ByteView(crc_bytes + kCrcSize, kMacSize))) {
      return fail(FrameError::bad_mac, "frame MAC mismatch at sequence " +
                                           std::to_string(sequence_) +
                                           " (tampered, replayed, dropped or reordered)");
    }
    ++sequence_;
  }
  const std::optional<MessageKind> known = message_kind_from_byte(kind);
  if (!known) {
    return fail(FrameError::unknown_kind, "unknown frame kind " + std::to_string(kind));
  }

  ReadResult result;
  result.frame = Frame{*known, Bytes(payload.begin(), payload.end())};
  offset_ += kLengthSize + length;
  // Compacting only once the consumed prefix dominates keeps feeding and reading linear overall.
  if (offset_ == buffer_.size()) {
    // A large frame's buffer is not kept for a connection that goes back to small ones.
    if (buffer_.capacity() > kKeepCapacity) Bytes().swap(buffer_);
    buffer_.clear();
    offset_ = 0;
  } else if (offset_ > buffer_.size() / 2) {
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(offset_));
    offset_ = 0;
  }
  return result;
}

}  // namespace crdt::sync
