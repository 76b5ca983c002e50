#include "frame_codec.hpp"

#include <array>

#include <zlib.h>

#include "frame.hpp"

namespace crdt::sync {

std::string_view to_string(FrameError error) {
  switch (error) {
    case FrameError::too_large:
      return "too_large";
    case FrameError::too_short:
      return "too_short";
    case FrameError::bad_checksum:
      return "bad_checksum";
    case FrameError::bad_mac:
      return "bad_mac";
    case FrameError::unknown_kind:
      return "unknown_kind";
  }
  return "unknown";
}

namespace detail {

std::uint32_t frame_crc(std::uint8_t kind, ByteView payload) {
  uLong crc = crc32_z(0L, Z_NULL, 0);
  crc = crc32_z(crc, &kind, 1);
  if (!payload.empty()) crc = crc32_z(crc, payload.data(), payload.size());
  return static_cast<std::uint32_t>(crc);
}

Digest frame_mac(const Key& key, std::uint64_t sequence, std::uint8_t kind, ByteView payload) {
  std::array<std::uint8_t, 9> header{};
  for (std::size_t i = 0; i < 8; ++i) header[i] = static_cast<std::uint8_t>(sequence >> (8 * i));
  header[8] = kind;
  return hmac_sha256(key, {header, payload});
}

}  // namespace detail
}  // namespace crdt::sync
