#include <string>
#include <utility>

#include "crdt/persist/store.hpp"
#include "crdt/serialization/causal.hpp"
#include "store_impl.hpp"

namespace crdt::persist {

void Store::register_type(const DocumentType& type) { impl_->registry.add(type); }

std::vector<std::string> Store::registered_types() const { return impl_->registry.tags(); }

const DocumentType* Store::find_type(std::string_view tag) const {
  return impl_->registry.find(tag);
}

// --- Conflicts and removal records --------------------------------------------------------------
//
// Invariants (what makes two replicas holding the same states show the same thing):
// - The document row of an id holds its state of the smallest type tag; the states of other types
//   that arrived for the id are conflict rows, never of the document's type.
// - A document is removed exactly when it has a removal record of its type whose observed context
//   covers every event the document's state knows (AnyDocument::causal_context). Every write that
//   changes either side recomputes it, so it is a function of the replicated states alone.

std::unique_ptr<AnyDocument> Store::Impl::load_conflict(std::string_view id,
                                                        const DocumentType& type) {
  auto row = connection().cached("SELECT state FROM conflicts WHERE id = ?1 AND type = ?2");
  row->bind(1, id).bind(2, type.tag());
  if (!row->step()) return nullptr;
  std::string error;
  auto state = type.decode(row->blob(0), options.max_row_bytes, error);
  if (!state) corrupt("conflict state of " + std::string(id) + ": " + error);
  return state;
}

void Store::Impl::write_conflict(std::string_view id, const AnyDocument& state) {
  auto write = connection().cached(
      "INSERT OR REPLACE INTO conflicts(id, type, updated_ms, state) VALUES (?1, ?2, ?3, ?4)");
  write->bind(1, id).bind(2, state.type().tag()).bind(3, now_ms()).bind_blob(4, state.encode());
  write->run();
}

bool Store::Impl::removed_by_record(std::string_view id, const AnyDocument& state) {
  auto row = connection().cached(
      "SELECT type, observed_context, baseline IS NULL FROM removed_documents WHERE id = ?1");
  row->bind(1, id);
  if (!row->step() || row->text(0) != state.type().tag()) return false;
  // A record written before removals of every type were replicated observed the content its
  // removal cancelled; only the content tells whether something came after it.
  if (row->int64(2) != 0) return !state.has_content();
  auto observed = serialization::decode<VersionVector>(row->blob(1));
  if (!observed)
    corrupt("removal record of " + std::string(id) + ": " + std::string(observed.message()));
  return state.causal_context().subset_of(observed.value());
}

CachedDocument* Store::Impl::promote(std::string_view id, CachedDocument& current,
                                     const DocumentType& type) {
  auto& conn = connection();
  write_conflict(id, *current.state);
  std::unique_ptr<AnyDocument> state = load_conflict(id, type);
  if (state) {
    auto drop = conn.cached("DELETE FROM conflicts WHERE id = ?1 AND type = ?2");
    drop->bind(1, id).bind(2, type.tag());
    drop->run();
  } else {
    state = type.create();
  }
  // The old type's pending deltas are in the conflict state now.
  auto drop_pending = conn.cached("DELETE FROM pending_deltas WHERE document = ?1");
  drop_pending->bind(1, id);
  drop_pending->run();
  const bool removed = removed_by_record(id, *state);
  const std::vector<std::uint8_t> snapshot = state->encode();
  auto update = conn.cached(
      "UPDATE documents SET type = ?2, version = ?3, pending_count = 0, pending_bytes = 0, "
      "removed = ?4, updated_ms = ?5, context = ?6 WHERE id = ?1");
  update->bind(1, id)
      .bind(2, type.tag())
      .bind(3, current.version + 1)
      .bind(4, std::int64_t{removed ? 1 : 0})
      .bind(5, now_ms())
      .bind_blob(6, serialization::encode(state->context()));
  update->run();
  if (conn.changes() != 1) corrupt("document " + std::string(id) + " vanished while promoting");
  auto write_snapshot =
      conn.cached("INSERT OR REPLACE INTO snapshots(id, snapshot) VALUES (?1, ?2)");
  write_snapshot->bind(1, id).bind_blob(2, snapshot);
  write_snapshot->run();
  touched(id);
  CachedDocument* promoted = cache.put(id, CachedDocument{type.tag(), current.version + 1, removed,
                                                          std::move(state), snapshot.size()});
  return promoted;
}

MergeResult Store::Impl::merge_conflict(std::string_view id, const DocumentType& type,
                                        std::span<const std::uint8_t> frame, ReplicaId origin) {
  std::string error;
  std::unique_ptr<AnyDocument> state = load_conflict(id, type);
  if (!state) state = type.create();
  const auto changed = state->merge_frame(frame, options.max_remote_bytes, error);
  if (!changed) throw Error(ErrorCode::malformed_input, file, error);
  if (!*changed) return MergeResult{false, 0, true};
  write_conflict(id, *state);
  return MergeResult{true, append_log(id, type.tag(), frame, origin), true};
}

MergeResult Store::merge_removal(std::string_view doc, std::string_view tag,
                                 std::span<const std::uint8_t> baseline, ReplicaId origin) {
  Impl& impl = *impl_;
  const DocumentType& type = impl.type_for(tag);
  WriteScope scope(impl);
  impl.refresh_identity();
  std::string error;
  auto joined = type.decode(baseline, impl.options.max_remote_bytes, error);
  if (!joined) throw Error(ErrorCode::malformed_input, impl.file, error);
  {
    auto row =
        impl.connection().cached("SELECT type, baseline FROM removed_documents WHERE id = ?1");
    row->bind(1, doc);
    if (row->step() && !row->is_null(1)) {
      if (row->text(0) != type.tag()) return MergeResult{};  // removed as another type here
      auto local = type.decode(row->blob(1), impl.options.max_row_bytes, error);
      if (!local) impl.corrupt("removal record of " + std::string(doc) + ": " + error);
      const auto changed = local->merge_frame(baseline, impl.options.max_remote_bytes, error);
      if (!changed) throw Error(ErrorCode::malformed_input, impl.file, error);
      if (!*changed) return MergeResult{};
      joined = std::move(local);
    }
  }
  const std::vector<std::uint8_t> joined_frame = joined->encode();
  auto insert = impl.connection().cached(
      "INSERT OR REPLACE INTO removed_documents(id, type, removed_ms, observed_context, "
      "baseline) VALUES (?1, ?2, ?3, ?4, ?5)");
  insert->bind(1, doc)
      .bind(2, type.tag())
      .bind(3, impl.now_ms())
      .bind_blob(4, serialization::encode(joined->causal_context()))
      .bind_blob(5, joined_frame);
  insert->run();
  CachedDocument* document = impl.load(doc, nullptr);
  if (document != nullptr && document->type != type.tag() && type.tag() > document->type) {
    // The record's state goes beside the document, as any state of that type does.
    impl.merge_conflict(doc, type, joined_frame, origin);
  } else {
    // The document holds at least what the record observed, so "since the removal" is never
    // negative; it counts as removed unless it saw events the record did not.
    const bool exists = document != nullptr;
    try {
      if (!exists) {
        document = impl.cache.put(doc, CachedDocument{type.tag(), 0, false, type.create(), 0});
      } else if (document->type != type.tag()) {
        document = impl.promote(doc, *document, type);
      }
      impl.touched(doc);
      const auto changed = document->state->merge_frame(joined_frame, SIZE_MAX, error);
      if (!changed) impl.corrupt("joined removal record of " + std::string(doc) + ": " + error);
      document->removed = document->state->causal_context().subset_of(joined->causal_context());
      if (*changed) {
        impl.record_delta(doc, *document, exists, joined_frame, origin);
      } else {
        impl.write_document_row(doc, *document, exists, 0, false);
      }
    } catch (...) {
      impl.cache.erase(doc);
      if (impl.batch) impl.batch_failed = true;
      throw;
    }
  }
  const std::uint64_t seq =
      impl.append_log(doc, std::string(kRemovalTypePrefix) + type.tag(), joined_frame, origin);
  scope.commit();
  return MergeResult{true, seq, false};
}

MergeResult Store::merge_remote(std::string_view doc, std::string_view type,
                                std::span<const std::uint8_t> delta, ReplicaId origin) {
  Impl& impl = *impl_;
  impl.require_writable();
  // From a peer: refused whether or not a document of that id exists (an older file may hold one).
  impl.check_new_id(doc);
  if (type.starts_with(kRemovalTypePrefix)) {
    return merge_removal(doc, type.substr(kRemovalTypePrefix.size()), delta, origin);
  }
  const DocumentType& delta_type = impl.type_for(type);
  WriteScope scope(impl);
  impl.refresh_identity();
  CachedDocument* document = impl.load(doc, nullptr);
  std::string error;

  if (document != nullptr && document->type != delta_type.tag() &&
      delta_type.tag() > document->type) {
    // Same id, a type after the document's: kept beside the document, never merged into it.
    MergeResult result = impl.merge_conflict(doc, delta_type, delta, origin);
    if (result.changed) scope.commit();
    return result;
  }

  const bool exists = document != nullptr;
  try {
    bool promoted = false;
    if (!exists) {
      document =
          impl.cache.put(doc, CachedDocument{delta_type.tag(), 0, false, delta_type.create(), 0});
    } else if (document->type != delta_type.tag()) {
      // A type before the document's: it becomes the document, the old one a conflict state.
      document = impl.promote(doc, *document, delta_type);
      promoted = true;
    }
    impl.touched(doc);
    const auto changed = document->state->merge_frame(delta, impl.options.max_remote_bytes, error);
    if (!changed) throw Error(ErrorCode::malformed_input, impl.file, error);
    if (!*changed && !promoted) {
      if (!exists) impl.cache.erase(doc);
      return MergeResult{};
    }
    // A present document only gains events, so it stays present; a new or removed one is
    // present unless its removal record observed everything it knows.
    if (!exists || document->removed) {
      document->removed = impl.removed_by_record(doc, *document->state);
    }
    const std::uint64_t seq = impl.record_delta(doc, *document, exists, delta, origin);
    scope.commit();
    return MergeResult{true, seq, promoted};
  } catch (...) {
    impl.cache.erase(doc);
    if (impl.batch) impl.batch_failed = true;
    throw;
  }
}

std::unique_ptr<AnyDocument> Store::read_any(std::string_view doc) {
  Impl& impl = *impl_;
  ReadScope scope(impl);
  CachedDocument* document = impl.load(doc, nullptr);
  if (document == nullptr || document->removed) return nullptr;
  auto out = document->state->clone();
  scope.commit();
  return out;
}

VersionVector Store::context(std::string_view doc) {
  Impl& impl = *impl_;
  ReadScope scope(impl);
  CachedDocument* document = impl.load(doc, nullptr);
  VersionVector out = document != nullptr ? document->state->context() : VersionVector{};
  scope.commit();
  return out;
}

std::optional<std::vector<std::uint8_t>> Store::delta_since(std::string_view doc,
                                                            const VersionVector& known) {
  Impl& impl = *impl_;
  ReadScope scope(impl);
  CachedDocument* document = impl.load(doc, nullptr);
  if (document == nullptr) return std::nullopt;
  // Removed documents answer too: their removal is part of what a peer lacks.
  auto out = document->state->delta_since(known);
  scope.commit();
  return out;
}

std::optional<std::vector<std::uint8_t>> Store::encoded(std::string_view doc) {
  Impl& impl = *impl_;
  ReadScope scope(impl);
  CachedDocument* document = impl.load(doc, nullptr);
  if (document == nullptr || document->removed) return std::nullopt;
  auto out = document->state->encode();
  scope.commit();
  return out;
}

std::vector<ConflictInfo> Store::conflicts() {
  auto rows =
      impl_->connection().cached("SELECT id, type, updated_ms FROM conflicts ORDER BY id, type");
  std::vector<ConflictInfo> out;
  while (rows->step()) out.push_back(ConflictInfo{rows->text(0), rows->text(1), rows->uint64(2)});
  return out;
}

std::vector<ConflictInfo> Store::conflicts(std::string_view doc) {
  auto rows = impl_->connection().cached(
      "SELECT id, type, updated_ms FROM conflicts WHERE id = ?1 ORDER BY type");
  rows->bind(1, doc);
  std::vector<ConflictInfo> out;
  while (rows->step()) out.push_back(ConflictInfo{rows->text(0), rows->text(1), rows->uint64(2)});
  return out;
}

std::optional<std::vector<std::uint8_t>> Store::conflict_state(std::string_view doc,
                                                               std::string_view type) {
  auto row = impl_->connection().cached("SELECT state FROM conflicts WHERE id = ?1 AND type = ?2");
  row->bind(1, doc).bind(2, type);
  if (!row->step()) return std::nullopt;
  return row->blob(0);
}

}  // namespace crdt::persist
