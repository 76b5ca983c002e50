// The limits a node holds its peers to, with their defaults: one fact each, set through
// NodeOptions and enforced by the frame reader and the protocol.
#pragma once

#include <cstddef>

namespace crdt::sync {

// The largest frame a peer may send once authenticated; larger states travel in chunks.
inline constexpr std::size_t kDefaultMaxFrameSize = std::size_t{16} << 20;

// What one sync message may hold; a message beyond any of these ends its session.
struct MessageLimits {
  std::size_t max_items = std::size_t{1} << 20;  // entries or nodes in one message
  std::size_t max_id_bytes = 4096;               // a document id or a prefix
  std::size_t max_type_bytes = 256;
  std::size_t max_label_bytes = 1024;
  std::size_t max_delta_bytes = std::size_t{256} << 20;
  std::size_t max_prefixes = 1024;
  std::size_t max_message_bytes = std::size_t{256} << 20;  // a deltas body, once inflated
};

}  // namespace crdt::sync
