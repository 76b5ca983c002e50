// Store::Impl: the state behind a Store and the steps its operations share. Private to
// src/persist/; the operations themselves are spread over store.cpp (open, identity, typed
// updates), documents.cpp (read, list, remove), remote.cpp (type-erased operations) and
// delta_log.cpp (log, peers, hints).
//
// Invariants:
// - Every write runs inside `WriteScope` (its own BEGIN IMMEDIATE, or the open batch) and calls
//   `refresh_identity()` first, so the replica id and clock are the file's current ones.
// - A cached document changed in memory is erased from the cache unless its transaction commits
//   (for a batch: unless the batch commits).
// - A document's pending deltas are, in seq order, exactly what its snapshot lacks.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "checkpointer.hpp"
#include "crdt/causal/hybrid_logical_clock.hpp"
#include "crdt/causal/replica_id.hpp"
#include "crdt/persist/options.hpp"
#include "crdt/persist/store.hpp"
#include "document_cache.hpp"
#include "sqlite/connection.hpp"
#include "sqlite/transaction.hpp"
#include "type_registry.hpp"

namespace crdt::persist {

struct Store::Impl {
  Impl(std::string file_name, Options opts);

  std::string file;
  Options options;
  std::unique_ptr<sqlite::Connection> db;
  std::unique_ptr<Checkpointer> checkpointer;  // with Options::background_checkpoint
  ReplicaId replica;
  std::uint64_t incarnation = 0;
  std::string label;
  std::uint64_t created_ms = 0;
  std::optional<std::int64_t> session_token;  // set while open in Durability::normal
  std::uint64_t clock_floor_ms = 0;           // the stored clock's wall time: never go below it
  HlcStamp stored_clock{};
  HybridLogicalClock clock;
  DocumentCache cache;
  TypeRegistry registry;
  std::unique_ptr<sqlite::Transaction> batch;
  std::vector<std::string> batch_touched;
  bool batch_failed = false;
  bool batch_identity_read = false;     // refresh_identity() ran inside the open batch
  bool snapshots_in_documents = false;  // a version 1 file opened read-only

  std::uint64_t now_ms() const;
  sqlite::Connection& connection();  // throws if closed
  void require_writable();
  // Throws ErrorCode::invalid_argument for an id no document may have (limits.hpp).
  void check_new_id(std::string_view id) const;

  // Opening.
  void open_connection();
  void open_for_writing();
  void open_for_reading();
  void load_identity();
  void take_new_identity(const std::string& fingerprint);

  // Inside a write transaction: the file's current replica id and clock; and the clock's last stamp
  // stored back when it moved.
  void refresh_identity();
  void store_clock();

  // The document's cached state, reloaded if the stored version differs; nullptr if it does not
  // exist. Throws Error(wrong_type) when `expected` is given and the stored type differs.
  CachedDocument* load(std::string_view id, const DocumentType* expected);
  const DocumentType& type_for(std::string_view tag) const;

  // Appends a delta to the log; returns its seq.
  std::uint64_t append_log(std::string_view id, std::string_view type,
                           std::span<const std::uint8_t> delta, ReplicaId origin);
  // Records a delta applied to `document` (already merged into its cached state): appends it to
  // the log and the pending deltas, writes the document row, folds past the thresholds. Returns
  // the seq.
  // Inside a write scope: the document an update works on, created (bottom) if absent; `exists`
  // tells which.
  CachedDocument* prepare_update(std::string_view doc, const DocumentType& type, bool& exists);
  std::uint64_t record_delta(std::string_view id, CachedDocument& document, bool exists,
                             std::span<const std::uint8_t> delta, ReplicaId origin);
  void write_document_row(std::string_view id, CachedDocument& document, bool exists,
                          std::size_t delta_bytes, bool with_pending);
  void fold(std::string_view id, CachedDocument& document);

  // Type conflicts and removal records (remote.cpp states their invariants).
  std::unique_ptr<AnyDocument> load_conflict(std::string_view id, const DocumentType& type);
  void write_conflict(std::string_view id, const AnyDocument& state);
  // Merges `frame` into the conflict state of `type` kept beside document `id`, logging it.
  MergeResult merge_conflict(std::string_view id, const DocumentType& type,
                             std::span<const std::uint8_t> frame, ReplicaId origin);
  // Whether `state`, as document `id`, counts as removed by the id's removal record.
  bool removed_by_record(std::string_view id, const AnyDocument& state);
  // Makes the state of `type` kept beside `current` the document, and the document's state a
  // conflict state; returns the new cache entry.
  CachedDocument* promote(std::string_view id, CachedDocument& current, const DocumentType& type);

  [[noreturn]] void corrupt(std::string_view what) const;
  void touched(std::string_view id);
};

// The write transaction of one operation: its own, or the batch's.
class WriteScope {
 public:
  explicit WriteScope(Store::Impl& impl);
  void commit();

 private:
  Store::Impl& impl_;
  std::optional<sqlite::Transaction> own_;
};

// A read transaction for one operation, unless a batch is open (which already is one).
class ReadScope {
 public:
  explicit ReadScope(Store::Impl& impl);
  void commit();

 private:
  std::optional<sqlite::Transaction> own_;
};

}  // namespace crdt::persist
