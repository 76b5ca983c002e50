// DEFLATE (zlib) for the large blocks of an encoding, such as a Text's columns.
//
// Column data compresses well (a column of run lengths, of replica indices, the visible text
// itself), and Automerge's format makes the same choice. A block is compressed only when it is
// large enough to gain; deltas stay raw. Inflating is bounded before anything is allocated: a
// declared size larger than DEFLATE can expand the given bytes to (about 1032:1) is refused, so a
// few hostile bytes cannot ask for gigabytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <vector>

#include <zlib.h>

namespace crdt::serialization::detail {

// DEFLATE expands at most about 1032 times; a declared size beyond this is a lie.
inline constexpr std::size_t kMaxDeflateRatio = 1032;

inline std::vector<std::uint8_t> deflate_bytes(std::span<const std::uint8_t> raw) {
  uLongf size = compressBound(static_cast<uLong>(raw.size()));
  std::vector<std::uint8_t> out(size);
  if (compress2(out.data(), &size, raw.data(), static_cast<uLong>(raw.size()),
                Z_DEFAULT_COMPRESSION) != Z_OK) {
    throw std::runtime_error("crdt: zlib compress2 failed");
  }
  out.resize(size);
  return out;
}

// Inflates `packed` into `out`; true only if it expands to exactly `raw_size` bytes.
inline bool inflate_bytes(std::span<const std::uint8_t> packed, std::size_t raw_size,
                          std::vector<std::uint8_t>& out) {
  if (raw_size > packed.size() * kMaxDeflateRatio + 64) return false;
  out.resize(raw_size);
  uLongf size = static_cast<uLongf>(raw_size);
  uLong consumed = static_cast<uLong>(packed.size());
  const int status = uncompress2(out.data(), &size, packed.data(), &consumed);
  return status == Z_OK && size == raw_size && consumed == packed.size();
}

}  // namespace crdt::serialization::detail
