// Byte buffers as the sync layer passes them around: an owned, growable buffer and a read-only
// view. Views never own; whoever hands one out keeps the bytes alive for the duration of the call.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace crdt::sync {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// The bytes of a string (labels, test vectors), without copying.
inline ByteView as_bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

}  // namespace crdt::sync
