// What a document may be: one fact for the store that creates it and for the protocol that
// carries it, so that a document one node accepts every peer can take.
#pragma once

#include <cstddef>

namespace crdt::persist {

// The longest document id, in bytes. Store refuses to create a longer one (ErrorCode::
// invalid_argument), a peer refuses a message naming one, and a node never offers one (files
// written before the limit existed may hold such ids: they stay readable, and are not synced).
inline constexpr std::size_t kMaxDocumentIdBytes = 4096;

}  // namespace crdt::persist
