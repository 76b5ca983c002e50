// The limits a node holds its peers to, with their defaults: one fact each, set through
// NodeOptions and enforced by the frame reader and the protocol.
#pragma once

#include <cstddef>

namespace crdt::sync {

// The largest frame a peer may send once authenticated; larger states travel in chunks.
inline constexpr std::size_t kDefaultMaxFrameSize = std::size_t{16} << 20;

}  // namespace crdt::sync
