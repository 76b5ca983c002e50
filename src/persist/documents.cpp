#include <string>
#include <utility>

#include "crdt/persist/store.hpp"
#include "crdt/serialization/causal.hpp"
#include "schema.hpp"
#include "store_impl.hpp"

namespace crdt::persist {

namespace {

// The smallest string greater than every string that starts with `prefix`; empty if none exists
// (the prefix is all 0xFF bytes).
std::string prefix_end(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(end.back());
    if (last != 0xFF) {
      ++last;
      return end;
    }
    end.pop_back();
  }
  return end;
}

DocumentInfo info_from(sqlite::Statement& row) {
  return DocumentInfo{row.text(0), row.text(1), row.uint64(2), row.uint64(3), false};
}

// The documents whose id starts with `prefix`, ordered by id; `removed_too` keeps removed ones.
std::vector<DocumentInfo> list_documents(sqlite::Connection& conn, std::string_view prefix,
                                         bool removed_too) {
  auto rows =
      conn.cached(removed_too ? "SELECT id, type, version, updated_ms, removed FROM documents "
                                "WHERE id >= ?1 AND (?2 IS NULL OR id < ?2) ORDER BY id"
                              : "SELECT id, type, version, updated_ms, removed FROM documents "
                                "WHERE removed = 0 AND id >= ?1 AND (?2 IS NULL OR id < ?2) "
                                "ORDER BY id");
  rows->bind(1, prefix);
  const std::string end = prefix_end(prefix);
  if (end.empty()) {
    rows->bind_null(2);
  } else {
    rows->bind(2, std::string_view(end));
  }
  std::vector<DocumentInfo> out;
  while (rows->step()) {
    DocumentInfo info = info_from(*rows);
    info.removed = rows->uint64(4) != 0;
    out.push_back(std::move(info));
  }
  return out;
}

}  // namespace

bool Store::read_erased(std::string_view doc, const DocumentType& type,
                        const std::function<void(const AnyDocument&)>& visit) {
  Impl& impl = *impl_;
  ReadScope scope(impl);
  CachedDocument* document = impl.load(doc, &type);
  if (document == nullptr || document->removed) return false;
  visit(*document->state);
  scope.commit();
  return true;
}

std::optional<DocumentInfo> Store::info(std::string_view doc, bool with_removed) {
  auto row = impl_->connection().cached(
      "SELECT id, type, version, updated_ms, removed FROM documents WHERE id = ?1");
  row->bind(1, doc);
  if (!row->step()) return std::nullopt;
  DocumentInfo info = info_from(*row);
  info.removed = row->uint64(4) != 0;
  if (info.removed && !with_removed) return std::nullopt;
  return info;
}

std::vector<DocumentInfo> Store::list(std::string_view prefix) {
  return list_documents(impl_->connection(), prefix, false);
}

std::vector<DocumentInfo> Store::list_with_removed(std::string_view prefix) {
  return list_documents(impl_->connection(), prefix, true);
}

bool Store::remove(std::string_view doc) {
  Impl& impl = *impl_;
  impl.require_writable();
  WriteScope scope(impl);
  impl.refresh_identity();
  CachedDocument* document = impl.load(doc, nullptr);
  if (document == nullptr || document->removed) return false;
  impl.touched(doc);
  try {
    std::optional<std::vector<std::uint8_t>> delta = document->state->remove_observed(impl.replica);
    // The removal record: the state the removal left (cancelled content, or for a type that
    // cannot cancel, the observed state kept as the baseline) and every event it knows of.
    const std::vector<std::uint8_t> record = document->state->encode();
    const std::vector<std::uint8_t> observed =
        serialization::encode(document->state->causal_context());
    document->removed = true;
    if (delta && !delta->empty()) {
      impl.record_delta(doc, *document, true, *delta, impl.replica);
    } else {
      impl.write_document_row(doc, *document, true, 0, false);
    }
    auto insert = impl.connection().cached(
        "INSERT OR REPLACE INTO removed_documents(id, type, removed_ms, observed_context, "
        "baseline) VALUES (?1, ?2, ?3, ?4, ?5)");
    insert->bind(1, doc)
        .bind(2, document->type)
        .bind(3, impl.now_ms())
        .bind_blob(4, observed)
        .bind_blob(5, record);
    insert->run();
    // Replicated like a delta, so every peer removes what this replica observed, and every
    // replica holding the record and the document tells the same whether it is removed.
    impl.append_log(doc, std::string(kRemovalTypePrefix) + document->type, record, impl.replica);
    scope.commit();
  } catch (...) {
    impl.cache.erase(doc);
    if (impl.batch) impl.batch_failed = true;
    throw;
  }
  return true;
}

std::optional<RemovalRecord> Store::removal_record(std::string_view doc) {
  auto row =
      impl_->connection().cached("SELECT type, baseline FROM removed_documents WHERE id = ?1");
  row->bind(1, doc);
  if (!row->step() || row->is_null(1)) return std::nullopt;
  return RemovalRecord{row->text(0), row->blob(1)};
}

std::optional<std::vector<std::uint8_t>> Store::baseline_frame(std::string_view doc,
                                                               const DocumentType& type) {
  auto row =
      impl_->connection().cached("SELECT type, baseline FROM removed_documents WHERE id = ?1");
  row->bind(1, doc);
  if (!row->step() || row->is_null(1)) return std::nullopt;
  if (row->text(0) != type.tag()) {
    throw Error(
        ErrorCode::wrong_type, impl_->file,
        "document " + std::string(doc) + " was a " + row->text(0) + ", not a " + type.tag());
  }
  return row->blob(1);
}

void Store::fold_all() {
  Impl& impl = *impl_;
  impl.require_writable();
  WriteScope scope(impl);
  std::vector<std::string> ids;
  {
    auto rows = impl.connection().cached("SELECT id FROM documents WHERE pending_count > 0");
    while (rows->step()) ids.push_back(rows->text(0));
  }
  for (const std::string& id : ids) {
    CachedDocument* document = impl.load(id, nullptr);
    if (document != nullptr) impl.fold(id, *document);
  }
  scope.commit();
}

Status Store::status() {
  Impl& impl = *impl_;
  auto& conn = impl.connection();
  Status out;
  {
    ReadScope scope(impl);
    impl.load_identity();
    auto count = [&](std::string_view sql) {
      auto row = conn.cached(sql);
      return row->step() ? row->uint64(0) : 0;
    };
    out.documents = count("SELECT count(*) FROM documents WHERE removed = 0");
    out.removed_documents = count("SELECT count(*) FROM documents WHERE removed = 1");
    out.log_entries = count("SELECT count(*) FROM delta_log");
    out.log_bytes = count("SELECT coalesce(sum(length(delta)), 0) FROM delta_log");
    out.last_seq =
        count("SELECT coalesce(max(seq), 0) FROM sqlite_sequence WHERE name = 'delta_log'");
    out.truncated_through =
        static_cast<std::uint64_t>(schema::get_int(conn, "truncated_through").value_or(0));
    out.pending_deltas = count("SELECT count(*) FROM pending_deltas");
    out.hints = count("SELECT count(*) FROM hints");
    out.conflicts = count("SELECT count(*) FROM conflicts");
    scope.commit();
  }
  out.file = impl.file;
  out.replica = impl.replica;
  out.label = impl.label;
  out.incarnation = impl.incarnation;
  out.created_ms = impl.created_ms;
  out.durability = impl.options.durability;
  out.peers = peers();
  return out;
}

std::string Store::integrity_check() {
  auto rows = impl_->connection().cached("PRAGMA integrity_check");
  std::string out;
  while (rows->step()) {
    if (!out.empty()) out += '\n';
    out += rows->text(0);
  }
  return out;
}

}  // namespace crdt::persist
