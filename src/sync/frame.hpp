// Frames: the unit a connection carries, and their byte format.
//
//   frame    := length kind payload crc mac?
//   length   := u32 little-endian, the number of bytes after it (kind + payload + crc + mac)
//   kind     := u8, a MessageKind (message_kind.hpp)
//   payload  := length - 5 (- 32 with a mac) bytes, opaque at this level
//   crc      := u32 little-endian, zlib's crc32 of kind + payload
//   mac      := 32 bytes, HMAC-SHA256 under the direction's session key of seq + kind + payload,
//               present on every frame after the session key is installed and on none before
//   seq      := u64 little-endian, not sent: the number of MACed frames this direction carried
//               before this one (0 for the first), counted by both sides
//
// The CRC catches accidents (a broken middlebox, a bug); only the MAC protects against an attacker.
// Because seq is in the MAC and each direction has its own key, a frame that is replayed, dropped,
// reordered or reflected back to its sender fails the MAC of the next frame the receiver reads.
//
// A length above the reader's maximum (default 16 MiB) is refused as soon as the four length bytes
// arrive, before any buffer is sized for it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "crdt/sync/bytes.hpp"
#include "crdt/sync/limits.hpp"
#include "message_kind.hpp"

namespace crdt::sync {

inline constexpr std::size_t kLengthSize = 4;
inline constexpr std::size_t kKindSize = 1;
inline constexpr std::size_t kCrcSize = 4;
inline constexpr std::size_t kMacSize = 32;

// Small enough limits make chunking silly; below this a FrameReader/FrameWriter refuses to exist.
inline constexpr std::size_t kMinMaxFrameSize = 256;

// A decoded frame: what one message is, with its payload still encoded.
struct Frame {
  MessageKind kind = MessageKind::ping;
  Bytes payload;

  friend bool operator==(const Frame&, const Frame&) = default;
};

// The largest payload that fits a frame whose length field may be at most `max_frame_size`.
constexpr std::size_t max_payload_size(std::size_t max_frame_size, bool with_mac) {
  return max_frame_size - kKindSize - kCrcSize - (with_mac ? kMacSize : 0);
}

// Why a FrameReader refused its input; every one of them ends the connection.
enum class FrameError {
  too_large,     // the length prefix exceeds the maximum frame size
  too_short,     // the length prefix cannot even hold kind and checksum (and MAC)
  bad_checksum,  // the CRC-32 does not match: the bytes were damaged, or are not a frame at all
  bad_mac,       // the MAC does not match: forged, tampered with, replayed, dropped or reordered
  unknown_kind,  // the kind byte names no MessageKind
};

std::string_view to_string(FrameError error);

}  // namespace crdt::sync
