// ReplicaReader: what the peer protocol (PeerSync) reads of this node's replica. With Outbox
// (outbox.hpp) it is everything the protocol touches outside itself, so it runs, and is tested,
// with no socket and no SQLite.
//
// ReplicaReader is what the protocol reads of this node's replica, on the engine's loop: the log
// (mostly from memory), the digest index, contexts and delta_since of single documents. Writes are
// not here: merges and acknowledgements leave PeerSync as requests (PeerSync::Hooks), which the
// engine runs on its StoreWorker and answers later (PeerSync::merged), so no socket waits for a
// commit. LocalReplica implements it over the store; the protocol's unit tests use an in-memory
// replica.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "crdt/causal/replica_id.hpp"
#include "crdt/persist/records.hpp"
#include "crdt/sync/bytes.hpp"
#include "digest_index.hpp"
#include "sync_messages.hpp"

namespace crdt::sync {

// What merging one `deltas` message did.
struct MergeOutcome {
  std::size_t changed = 0;
  std::vector<DeltaItem> conflicts;  // items kept beside a document of another type (no delta)
  std::vector<std::string> unknown_types;  // items skipped: this node has no such type
};

// An entry of the log, shared (not copied) between the sessions that send it.
using LogEntryRef = std::shared_ptr<const persist::LogEntry>;

class ReplicaReader {
 public:
  virtual ~ReplicaReader() = default;

  virtual ReplicaId id() const = 0;
  // The highest log position this replica has followed.
  virtual std::uint64_t head() const = 0;

  // Where a session with `peer` may resume: what the peer last acknowledged (nothing for a peer
  // never seen) and the highest position the log has dropped. Resuming from the log is possible
  // only when nothing after the acknowledgement was dropped (acknowledged >= truncated_through).
  struct ResumePoint {
    std::optional<std::uint64_t> acknowledged;
    std::uint64_t truncated_through = 0;
  };
  virtual ResumePoint resume_point(ReplicaId peer) = 0;

  // Entries with seq > after (at most head()), at most `limit` and about `max_bytes` (at least
  // one), oldest first. nullopt: they are not in memory and are being read elsewhere (off the
  // loop); the caller asks again when told they are ready (the engine pumps its sessions).
  virtual std::optional<std::vector<LogEntryRef>> entries_since(std::uint64_t after,
                                                                std::size_t limit,
                                                                std::size_t max_bytes) = 0;
  // The entries joined per document and type, in the order each first appears.
  virtual std::vector<DeltaItem> join(const std::vector<const persist::LogEntry*>& entries) = 0;

  // The digest index over every document, conflict state and removal record, up to date.
  virtual const DigestIndex& digests() = 0;
  // The causal context (encode<VersionVector>) of the state of `type` kept under `id`.
  virtual Bytes context_bytes(const std::string& id, const std::string& type) = 0;
  // What a peer whose state of `type` has `known_context` lacks; nothing if there is no such
  // state here.
  virtual std::optional<Bytes> delta_for(const std::string& id, const std::string& type,
                                         const Bytes& known_context) = 0;
};

}  // namespace crdt::sync
