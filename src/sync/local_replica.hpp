// LocalReplica: this node's store as the sync protocol sees it.
//
// It follows the store's delta log (poll() reads what was appended since, by this process or by
// another one writing the same file, such as the `crdt` command), keeps the recent entries in
// memory so that many sessions streaming the same entries read SQLite once, joins entries per
// document before they are sent, merges what peers send in one transaction per message, and keeps
// the DigestIndex of every document current (recomputing a document's hash lazily, only when a
// digest needs it after the document changed).
//
// Runs on the engine's loop thread. The store is a SharedStore, so app threads may write at the
// same time; their writes reach the log and are picked up by the next poll().
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "crdt/causal/replica_id.hpp"
#include "crdt/persist/shared_store.hpp"
#include "digest_index.hpp"
#include "sync_messages.hpp"

namespace crdt::sync {

struct MergeOutcome {
  std::size_t changed = 0;
  std::vector<DeltaItem> conflicts;  // items kept beside a document of another type (no delta)
  std::vector<std::string> unknown_types;  // items skipped: this node has no such type
};

class LocalReplica {
 public:
  LocalReplica(persist::SharedStore& store, std::size_t cache_bytes = std::size_t{8} << 20);

  ReplicaId id() const { return id_; }
  persist::SharedStore& store() { return store_; }

  // Reads the log entries appended since the last poll; returns them (oldest first).
  std::vector<persist::LogEntry> poll();
  // The highest seq poll() has seen.
  std::uint64_t head() const { return head_; }
  // Entries with seq > after, at most `limit` of them and about `max_bytes` (at least one).
  std::vector<persist::LogEntry> entries_since(std::uint64_t after, std::size_t limit,
                                               std::size_t max_bytes);

  // Joins the entries per document and type, in the order each first appears.
  std::vector<DeltaItem> join(const std::vector<const persist::LogEntry*>& entries);

  // Merges remote items in one transaction, with `origin` as their origin in the log.
  // Throws persist::Error when a delta is malformed or the store fails (nothing is merged then).
  MergeOutcome merge(const std::vector<DeltaItem>& items, ReplicaId origin);

  // The digest index, brought up to date.
  const DigestIndex& digests();
  // Marks a document's hash as out of date.
  void touched(const std::string& id);
  // The causal context (encode<VersionVector>) of a document's state of `type`: the document
  // itself, or a conflict state kept beside it.
  Bytes context_bytes(const std::string& id, const std::string& type);
  // What a peer whose state of `type` has `known_context` lacks: delta_since for the document;
  // a conflict state goes whole.
  std::optional<Bytes> delta_for(const std::string& id, const std::string& type,
                                 const Bytes& known_context);

  const persist::DocumentType* type(const std::string& tag);

 private:
  std::vector<DigestIndex::Part> parts_of(const std::string& id, const std::string& type,
                                          const std::vector<std::string>& conflict_types);

  persist::SharedStore& store_;
  ReplicaId id_;
  std::size_t cache_bytes_;
  std::uint64_t head_ = 0;
  std::uint64_t cache_floor_ = 0;  // the cache holds every entry with seq > cache_floor_
  std::deque<persist::LogEntry> cache_;
  std::size_t cached_bytes_ = 0;
  DigestIndex index_;
  bool index_built_ = false;
  std::set<std::string> stale_;
  std::map<std::string, const persist::DocumentType*, std::less<>> types_;
};

}  // namespace crdt::sync
