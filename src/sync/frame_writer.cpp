#include "frame_writer.hpp"

#include <stdexcept>

#include "frame_codec.hpp"

namespace crdt::sync {

FrameWriter::FrameWriter(std::size_t max_frame_size) : max_frame_size_(max_frame_size) {
  if (max_frame_size < kMinMaxFrameSize || max_frame_size > 0xFFFFFFFFu) {
    throw std::invalid_argument("crdt::sync::FrameWriter: maximum frame size out of range");
  }
}

void FrameWriter::set_key(const Key& key) {
  key_ = key;
  sequence_ = 0;
}

std::size_t FrameWriter::max_payload_size() const {
  return sync::max_payload_size(max_frame_size_, key_.has_value());
}

void FrameWriter::encode_to(const Frame& frame, Bytes& out) {
  if (frame.payload.size() > max_payload_size()) {
    throw std::length_error("crdt::sync::FrameWriter: payload of " +
                            std::to_string(frame.payload.size()) + " bytes exceeds the " +
                            std::to_string(max_payload_size()) + " a frame can carry");
  }
  const auto kind = static_cast<std::uint8_t>(frame.kind);
  const std::size_t length =
      kKindSize + frame.payload.size() + kCrcSize + (key_.has_value() ? kMacSize : 0);
  out.reserve(out.size() + kLengthSize + length);
  detail::put_u32(out, static_cast<std::uint32_t>(length));
  out.push_back(kind);
  out.insert(out.end(), frame.payload.begin(), frame.payload.end());
  detail::put_u32(out, detail::frame_crc(kind, frame.payload));
  if (key_.has_value()) {
    const Digest mac = detail::frame_mac(*key_, sequence_++, kind, frame.payload);
    out.insert(out.end(), mac.begin(), mac.end());
  }
}

Bytes FrameWriter::encode(const Frame& frame) {
  Bytes out;
  encode_to(frame, out);
  return out;
}

}  // namespace crdt::sync
