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
  CachedDocument* document = impl.load(doc, nullptr);
  if (document == nullptr || document->type == type.tag()) {
    // The document holds at least what its baseline observed, so "since the removal" is never
    // negative; it counts as removed unless it saw events the baseline did not.
    const bool exists = document != nullptr;
    if (!exists) {
      document = impl.cache.put(doc, CachedDocument{type.tag(), 0, false, type.create(), 0});
    }
    impl.touched(doc);
    try {
      const auto changed = document->state->merge_frame(joined_frame, SIZE_MAX, error);
      if (!changed) impl.corrupt("joined baseline of " + std::string(doc) + ": " + error);
      document->removed = document->state->context().subset_of(joined->context());
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
  auto insert = impl.connection().cached(
      "INSERT OR REPLACE INTO removed_documents(id, type, removed_ms, observed_context, "
      "baseline) VALUES (?1, ?2, ?3, ?4, ?5)");
  insert->bind(1, doc)
      .bind(2, type.tag())
      .bind(3, impl.now_ms())
      .bind_blob(4, serialization::encode(joined->context()))
      .bind_blob(5, joined_frame);
  insert->run();
  const std::uint64_t seq =
      impl.append_log(doc, std::string(kRemovalTypePrefix) + type.tag(), joined_frame, origin);
  scope.commit();
  return MergeResult{true, seq, false};
}

MergeResult Store::merge_remote(std::string_view doc, std::string_view type,
                                std::span<const std::uint8_t> delta, ReplicaId origin) {
  Impl& impl = *impl_;
  impl.require_writable();
  if (type.starts_with(kRemovalTypePrefix)) {
    return merge_removal(doc, type.substr(kRemovalTypePrefix.size()), delta, origin);
  }
  const DocumentType& delta_type = impl.type_for(type);
  WriteScope scope(impl);
  impl.refresh_identity();
  CachedDocument* document = impl.load(doc, nullptr);
  std::string error;

  if (document != nullptr && document->type != delta_type.tag()) {
    // Same id, another type: keep the other type's state beside the document, never merged into it.
    auto& conn = impl.connection();
    std::unique_ptr<AnyDocument> state;
    {
      auto row = conn.cached("SELECT state FROM conflicts WHERE id = ?1 AND type = ?2");
      row->bind(1, doc).bind(2, delta_type.tag());
      if (row->step()) {
        state = delta_type.decode(row->blob(0), impl.options.max_row_bytes, error);
        if (!state) impl.corrupt("conflict state of " + std::string(doc) + ": " + error);
      }
    }
    if (!state) state = delta_type.create();
    const auto changed = state->merge_frame(delta, impl.options.max_remote_bytes, error);
    if (!changed) throw Error(ErrorCode::malformed_input, impl.file, error);
    MergeResult result{*changed, 0, true};
    if (*changed) {
      auto write = conn.cached(
          "INSERT OR REPLACE INTO conflicts(id, type, updated_ms, state) VALUES (?1, ?2, ?3, ?4)");
      write->bind(1, doc)
          .bind(2, delta_type.tag())
          .bind(3, impl.now_ms())
          .bind_blob(4, state->encode());
      write->run();
      result.seq = impl.append_log(doc, delta_type.tag(), delta, origin);
      scope.commit();
    }
    return result;
  }

  const bool exists = document != nullptr;
  if (!exists) {
    document =
        impl.cache.put(doc, CachedDocument{delta_type.tag(), 0, false, delta_type.create(), 0});
  }
  impl.touched(doc);
  try {
    const auto changed = document->state->merge_frame(delta, impl.options.max_remote_bytes, error);
    if (!changed) throw Error(ErrorCode::malformed_input, impl.file, error);
    if (!*changed) {
      if (!exists) impl.cache.erase(doc);
      return MergeResult{};
    }
    // A removed document shows again only when something it had not observed arrives.
    document->removed = document->removed && !document->state->has_content();
    const std::uint64_t seq = impl.record_delta(doc, *document, exists, delta, origin);
    scope.commit();
    return MergeResult{true, seq, false};
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

std::optional<std::vector<std::uint8_t>> Store::conflict_state(std::string_view doc,
                                                               std::string_view type) {
  auto row = impl_->connection().cached("SELECT state FROM conflicts WHERE id = ?1 AND type = ?2");
  row->bind(1, doc).bind(2, type);
  if (!row->step()) return std::nullopt;
  return row->blob(0);
}

}  // namespace crdt::persist
