// What the frame writer and reader must compute identically: the checksum and the MAC input
// (frame.hpp gives the grammar). Internal to crdt_sync.
#pragma once

#include <cstdint>

#include "crdt/sync/bytes.hpp"
#include "crypto.hpp"

namespace crdt::sync::detail {

std::uint32_t frame_crc(std::uint8_t kind, ByteView payload);
Digest frame_mac(const Key& key, std::uint64_t sequence, std::uint8_t kind, ByteView payload);

inline void put_u32(Bytes& out, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}

inline std::uint32_t get_u32(const std::uint8_t* in) {
  return static_cast<std::uint32_t>(in[0]) | static_cast<std::uint32_t>(in[1]) << 8 |
         static_cast<std::uint32_t>(in[2]) << 16 | static_cast<std::uint32_t>(in[3]) << 24;
}

}  // namespace crdt::sync::detail
