// Replication: what a replication engine needs of a store, apart from what an app calls.
//
// An app uses Store (store.hpp): update, read, batch, remove, list. The sync engine (and, next,
// the quorum mode) replicates through this interface instead, reached with Store::replication():
// it merges what peers send, reads the delta log from a position, keeps what each peer
// acknowledged, answers delta_since for a causal context, lists the inputs of the digest index
// (documents with removed ones, type-conflict states, removal records) and holds hints for
// replicas that cannot be reached.
//
// Contract (every implementation; Store's is the one the library ships):
// - merge_remote is a join: merging a delta twice, or deltas in any order, gives the same state;
//   a delta that changed the state is appended to the log with its origin and a fresh seq, one
//   that changed nothing is not logged. Durable on return, or inside the open Store::batch.
// - The log is ordered by seq; an entry is never changed, only dropped by truncate_log (what
//   every known peer acknowledged, or past the retention bounds, never a delta not yet folded)
//   or replaced by compact_log (the entries of one document and type joined at the newest seq,
//   labelled with their common origin, or with this replica when they differ).
// - delta_since(doc, ctx) holds exactly what a replica with causal context ctx lacks of doc
//   (removed documents answer too: the removal is state a peer lacks).
// - Identity: replica() is the store's current replica id (DESIGN.md: identity is sacred).
// Thread safety: as the Store it belongs to (one thread at a time; SharedStore::with_store).
// Errors: persist::Error, as Store's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "crdt/causal/replica_id.hpp"
#include "crdt/causal/version_vector.hpp"
#include "crdt/persist/document_type.hpp"
#include "crdt/persist/records.hpp"

namespace crdt::persist {

class Replication {
 public:
  virtual ReplicaId replica() const = 0;
  // The registered type named `tag`, or nullptr.
  virtual const DocumentType* find_type(std::string_view tag) const = 0;

  // --- Documents, as peers see them -------------------------------------------------------------

  // Merges a remote delta (an encode<T> frame of type `type`) into `doc`, creating it if needed.
  // A type kRemovalTypePrefix + T is a removal record (records.hpp). A document of another type
  // keeps the delta's state beside it as a type conflict (the document of an id is always its
  // state of the smallest type tag). Throws Error(unknown_type) or Error(malformed_input).
  virtual MergeResult merge_remote(std::string_view doc, std::string_view type,
                                   std::span<const std::uint8_t> delta, ReplicaId origin) = 0;
  // Every document, removed ones included (a removal is state a peer must learn), by id.
  virtual std::vector<DocumentInfo> list_with_removed(std::string_view prefix = {}) = 0;
  // A copy of the document's state; nullptr if it does not exist or was removed.
  virtual std::unique_ptr<AnyDocument> read_any(std::string_view doc) = 0;
  // The document's causal context; empty if it does not exist.
  virtual VersionVector context(std::string_view doc) = 0;
  // What a peer with context `known` lacks of `doc`, as a frame; nullopt if it does not exist.
  virtual std::optional<std::vector<std::uint8_t>> delta_since(std::string_view doc,
                                                               const VersionVector& known) = 0;
  // The document's whole state as a frame; nullopt if it does not exist or was removed.
  virtual std::optional<std::vector<std::uint8_t>> encoded(std::string_view doc) = 0;
  // The states kept beside documents of another type, and one of them as a frame.
  virtual std::vector<ConflictInfo> conflicts() = 0;
  virtual std::optional<std::vector<std::uint8_t>> conflict_state(std::string_view doc,
                                                                  std::string_view type) = 0;
  // The document's removal record; nullopt if it was never removed.
  virtual std::optional<RemovalRecord> removal_record(std::string_view doc) = 0;

  // --- The delta log and the peers ---------------------------------------------------------------

  // Entries with seq > `after`, oldest first, at most `limit`.
  virtual std::vector<LogEntry> deltas_since(std::uint64_t after, std::size_t limit = 1000) = 0;
  // How many entries with seq > `after` the log holds, and their delta bytes.
  virtual LogSpan log_span(std::uint64_t after) = 0;
  // Where the log stands, without scanning it (status() counts every table).
  virtual LogBounds log_bounds() = 0;
  // Records that `peer` has every entry up to `seq` (never moves backwards), then truncates the
  // log if Options::truncate_on_acknowledge.
  virtual void acknowledge(ReplicaId peer, std::uint64_t seq) = 0;
  // Several peers' acknowledgements in one transaction: what a node with many sessions persists
  // now and then. Then, if Options::truncate_on_acknowledge, drops at most `max_dropped` entries
  // and returns how many it dropped; as many as `max_dropped` means there may be more, for
  // truncate_log(max_dropped) (a long truncation in steps of bounded time).
  virtual std::size_t acknowledge(std::span<const Acknowledgement> acks,
                                  std::size_t max_dropped) = 0;
  virtual std::vector<PeerInfo> peers() = 0;
  virtual void forget_peer(ReplicaId peer) = 0;
  // Drops what the contract above allows, the oldest first, at most `max_entries`; returns how
  // many entries were dropped.
  virtual std::size_t truncate_log(std::size_t max_entries = SIZE_MAX) = 0;
  virtual std::size_t compact_log() = 0;

  // --- Hints (writes held for an unreachable replica) -------------------------------------------

  virtual std::uint64_t add_hint(ReplicaId target, std::string_view doc, std::string_view type,
                                 std::span<const std::uint8_t> delta) = 0;
  virtual std::vector<Hint> hints_for(ReplicaId target) = 0;
  virtual void drop_hint(std::uint64_t id) = 0;

  // Counts, log positions and peers in one read.
  virtual Status status() = 0;

 protected:
  ~Replication() = default;
};

}  // namespace crdt::persist
