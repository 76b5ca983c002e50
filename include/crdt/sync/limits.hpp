// The limits a node holds its peers to, with their defaults: one fact each, set through
// NodeOptions and enforced by the frame reader and the protocol.
#pragma once

#include <cstddef>

#include "crdt/persist/limits.hpp"

namespace crdt::sync {

// The largest frame a peer may send once authenticated; larger states travel in chunks.
inline constexpr std::size_t kDefaultMaxFrameSize = std::size_t{16} << 20;

// The largest frame a peer may send before it is authenticated: a handshake message needs far
// less, and a stranger must not make the node buffer megabytes.
inline constexpr std::size_t kMaxHandshakeFrameSize = 4096;

// How many connections a node keeps (connection_admission.hpp). A stranger's connection (its
// handshake not finished) costs a descriptor and a read buffer: beyond a pending bound, the oldest
// pending connection is closed, so a flood of idle sockets evicts itself and cannot lock honest
// peers out. Sessions (authenticated) beyond a session bound are refused.
struct ConnectionLimits {
  std::size_t max_pending = 256;             // unauthenticated connections at once
  std::size_t max_pending_per_address = 32;  // of them from one address (port aside)
  std::size_t max_sessions = 1024;           // authenticated sessions at once
  std::size_t max_sessions_per_address = 256;
  std::size_t max_handshake_frame_size = kMaxHandshakeFrameSize;
};

// What one sync message may hold; a message beyond any of these ends its session.
struct MessageLimits {
  std::size_t max_items = std::size_t{1} << 20;  // entries or nodes in one message
  // A document id or a prefix: the store's limit, so that what one node holds every node takes.
  std::size_t max_id_bytes = persist::kMaxDocumentIdBytes;
  std::size_t max_type_bytes = 256;
  std::size_t max_label_bytes = 1024;
  std::size_t max_delta_bytes = std::size_t{256} << 20;
  std::size_t max_prefixes = 1024;
  std::size_t max_message_bytes = std::size_t{256} << 20;  // a deltas body, once inflated
};

}  // namespace crdt::sync
