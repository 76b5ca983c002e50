// The plain records the Store returns: descriptions of documents, log entries, peers, hints,
// conflicts and the store itself. Values only; nothing here refers back into the store.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "crdt/causal/replica_id.hpp"
#include "crdt/persist/options.hpp"

namespace crdt::persist {

struct DocumentInfo {
  std::string id;
  std::string type;           // the TypeTag name, e.g. "orset<string>"
  std::uint64_t version = 0;  // bumped by every write to the document
  std::uint64_t updated_ms = 0;
  bool removed = false;  // only list_with_removed() returns removed documents
  friend bool operator==(const DocumentInfo&, const DocumentInfo&) = default;
};

// One delta in the log, under the local sequence number it was appended with.
struct LogEntry {
  std::uint64_t seq = 0;
  std::string document;
  std::string type;
  std::vector<std::uint8_t> delta;  // an encode<T> frame
  ReplicaId origin;                 // the replica whose write it is (this one for local writes)
  std::uint64_t created_ms = 0;
};

struct LogSpan {
  std::uint64_t entries = 0;
  std::uint64_t bytes = 0;
};

// Where the delta log stands: its last seq ever written (0: none) and the highest seq truncation
// dropped (entries at or below it may be gone).
struct LogBounds {
  std::uint64_t last_seq = 0;
  std::uint64_t truncated_through = 0;
};

// What one peer confirmed it holds: every local entry up to `seq`.
struct Acknowledgement {
  ReplicaId peer;
  std::uint64_t seq = 0;
};

struct PeerInfo {
  ReplicaId id;
  std::uint64_t acknowledged = 0;  // highest local seq the peer has confirmed
  std::uint64_t last_contact_ms = 0;
  friend bool operator==(const PeerInfo&, const PeerInfo&) = default;
};

// A delta held for a replica that could not be reached (quorum mode's hinted handoff).
struct Hint {
  std::uint64_t id = 0;
  ReplicaId target;
  std::string document;
  std::string type;
  std::vector<std::uint8_t> delta;
  std::uint64_t created_ms = 0;
};

// A document id that arrived with a type other than the local one: the other type's state is kept
// beside the document instead of being merged into it.
struct ConflictInfo {
  std::string id;
  std::string type;  // the type of the kept state (not the document's)
  std::uint64_t updated_ms = 0;
};

// The removal of a document (Store::remove): the state the removal left, which for PNCounter,
// BoundedCounter and LWWRegister is the observed state every replica subtracts (the baseline),
// and for the other types the state with its content cancelled. It travels between replicas as a
// log entry of type kRemovalTypePrefix + the document's type, whose delta is that state; records
// of concurrent removals join. The document counts as removed while its record knows every event
// the document knows.
inline constexpr std::string_view kRemovalTypePrefix = "removed:";

struct RemovalRecord {
  std::string type;                    // the document's type
  std::vector<std::uint8_t> baseline;  // an encode<T> frame of the state the removal left
};

// The result of merging a remote delta.
struct MergeResult {
  bool changed = false;   // the local state (or the conflict state) changed
  std::uint64_t seq = 0;  // the log entry it was appended as; 0 when it changed nothing
  bool conflict = false;  // the document exists here with another type (see ConflictInfo)
};

struct Status {
  std::string file;
  ReplicaId replica;
  std::string label;
  std::uint64_t incarnation = 0;  // 1 for a new store; +1 each time it took a new replica id
  std::uint64_t created_ms = 0;
  Durability durability = Durability::full;
  std::uint64_t documents = 0;  // not removed
  std::uint64_t removed_documents = 0;
  std::uint64_t log_entries = 0;
  std::uint64_t log_bytes = 0;
  std::uint64_t last_seq = 0;           // highest seq ever appended
  std::uint64_t truncated_through = 0;  // highest seq dropped by retention or acknowledgement
  std::uint64_t pending_deltas = 0;     // not yet folded into a snapshot
  std::uint64_t hints = 0;
  std::uint64_t conflicts = 0;
  std::vector<PeerInfo> peers;
};

}  // namespace crdt::persist
