// DEFLATE (zlib) for the large blocks of an encoding, such as a Text's columns.
//
// Column data compresses well (a column of run lengths, of replica indices, the visible text
// itself), and Automerge's format makes the same choice. A block is compressed only when it is
// large enough to gain; deltas stay raw. Inflating is bounded before anything is allocated: a
// declared size larger than DEFLATE can expand the given bytes to (about 1032:1), or larger than
// an absolute cap, is refused, and memory grows with what actually comes out: a few hostile bytes
// cannot ask for gigabytes.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <vector>

#include <zlib.h>

namespace crdt::serialization::detail {

// DEFLATE expands at most about 1032 times; a declared size beyond this is a lie.
inline constexpr std::size_t kMaxDeflateRatio = 1032;
// Whatever the ratio allows, no block inflates beyond this: a 4 MiB block may honestly declare
// 4 GB, and a receiver must not take it. What the project encodes stays far below it.
inline constexpr std::size_t kMaxInflatedBytes = std::size_t{256} << 20;

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

// Inflates `packed` into `out`; true only if it expands to exactly `raw_size` bytes. Refuses a
// declared size beyond the ratio or kMaxInflatedBytes before allocating, and grows `out` with the
// bytes actually produced, so a lie costs what the data really expands to, not what it claims.
inline bool inflate_bytes(std::span<const std::uint8_t> packed, std::size_t raw_size,
                          std::vector<std::uint8_t>& out) {
  if (raw_size > kMaxInflatedBytes || raw_size > packed.size() * kMaxDeflateRatio + 64) {
    return false;
  }
  constexpr std::size_t kStep = std::size_t{1} << 20;
  out.clear();
  z_stream stream{};
  if (inflateInit(&stream) != Z_OK) return false;
  stream.next_in = const_cast<Bytef*>(packed.data());  // zlib's API is not const-correct
  stream.avail_in = static_cast<uInt>(packed.size());
  int status = Z_OK;
  while (status == Z_OK) {
    if (stream.avail_out == 0) {
      // `out` is full: room for the rest of what was declared, and one byte to catch more.
      const std::size_t produced = out.size();
      if (produced > raw_size) break;
      const std::size_t grow = std::min(kStep, raw_size + 1 - produced);
      out.resize(produced + grow);
      stream.next_out = out.data() + produced;
      stream.avail_out = static_cast<uInt>(grow);
    }
    status = inflate(&stream, Z_NO_FLUSH);
  }
  const std::size_t produced = out.size() - stream.avail_out;
  const bool whole = status == Z_STREAM_END && stream.avail_in == 0;
  inflateEnd(&stream);
  if (!whole || produced != raw_size) return false;
  out.resize(raw_size);
  return true;
}

}  // namespace crdt::serialization::detail
