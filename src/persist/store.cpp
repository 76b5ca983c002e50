#include "crdt/persist/store.hpp"

#include <algorithm>
#include <random>
#include <stdexcept>
#include <utility>

#include "crdt/persist/limits.hpp"
#include "crdt/serialization/causal.hpp"
#include "file_identity.hpp"
#include "schema.hpp"
#include "store_impl.hpp"

namespace crdt::persist {

// --- Impl: shared steps ---------------------------------------------------------------------

Store::Impl::Impl(std::string file_name, Options opts)
    : file(std::move(file_name)),
      options(std::move(opts)),
      clock([this] { return std::max(now_ms(), clock_floor_ms); }),
      cache(options.cache_documents) {}

std::uint64_t Store::Impl::now_ms() const {
  return options.time_source ? options.time_source() : HybridLogicalClock::system_time_ms();
}

sqlite::Connection& Store::Impl::connection() {
  if (!db) throw Error(ErrorCode::io, file, "the store is closed");
  return *db;
}

void Store::Impl::require_writable() {
  connection();
  if (options.read_only) throw Error(ErrorCode::read_only, file, "the store was opened read-only");
}

void Store::Impl::check_new_id(std::string_view id) const {
  if (id.size() <= kMaxDocumentIdBytes) return;
  throw Error(ErrorCode::invalid_argument, file,
              "a document id of " + std::to_string(id.size()) + " bytes exceeds the limit of " +
                  std::to_string(kMaxDocumentIdBytes));
}

void Store::Impl::corrupt(std::string_view what) const {
  throw Error(ErrorCode::storage_corrupt, file, std::string(what));
}

void Store::Impl::touched(std::string_view id) {
  if (batch) batch_touched.emplace_back(id);
}

WriteScope::WriteScope(Store::Impl& impl) : impl_(impl) {
  if (!impl_.batch) own_.emplace(impl_.connection(), sqlite::Transaction::Kind::write);
}

void WriteScope::commit() {
  if (own_) own_->commit();
}

ReadScope::ReadScope(Store::Impl& impl) {
  if (!impl.batch) own_.emplace(impl.connection(), sqlite::Transaction::Kind::read);
}

void ReadScope::commit() {
  if (own_) own_->commit();
}

// --- Opening and identity --------------------------------------------------------------------

void Store::Impl::open_connection() {
  sqlite::OpenMode mode;
  mode.read_only = options.read_only;
  mode.create = options.create;
  mode.busy_timeout = options.busy_timeout;
  db = std::make_unique<sqlite::Connection>(file, mode);
}

void Store::Impl::open_for_writing() {
  open_connection();
  auto& conn = *db;
  // Everything that can refuse the file runs before the first write, so a refused file is left
  // exactly as it was.
  const schema::FileState state = schema::inspect(conn);
  if (state == schema::FileState::foreign) {
    throw Error(ErrorCode::not_a_database, file, "a SQLite database, but not a crdt store");
  }
  if (state == schema::FileState::store) schema::check_version(conn, true);
  if (conn.read_only()) {
    throw Error(ErrorCode::read_only, file, "the file cannot be written; open it read-only");
  }
  if (options.max_pages > 0) {
    conn.exec("PRAGMA max_page_count = " + std::to_string(options.max_pages));
  }
  {
    auto mode = conn.cached("PRAGMA journal_mode = WAL");
    if (!mode->step() || mode->text(0) != "wal") {
      throw Error(ErrorCode::io, file, "cannot switch the file to WAL mode");
    }
  }
  // The identity transaction is always fully synchronous: a session row must be durable before
  // any normal-mode commit that it vouches for.
  conn.exec("PRAGMA synchronous = FULL");
  {
    sqlite::Transaction transaction(conn, sqlite::Transaction::Kind::write);
    if (schema::inspect(conn) == schema::FileState::empty) {
      schema::create(conn);
      schema::set(conn, "label", options.label);
      schema::set(conn, "created_ms", static_cast<std::int64_t>(now_ms()));
      schema::set(conn, "incarnation", std::int64_t{0});
      schema::set(conn, "hlc_wall_ms", std::int64_t{0});
      schema::set(conn, "hlc_logical", std::int64_t{0});
      schema::set(conn, "truncated_through", std::int64_t{0});
      take_new_identity(file_identity::fingerprint(file));
    } else {
      schema::check_version(conn, true);
      if (schema::version(conn) < schema::kVersion) schema::migrate(conn);
      const std::string fingerprint = file_identity::fingerprint(file);
      bool unclean = false;
      std::vector<std::int64_t> stale;
      {
        auto sessions = conn.cached("SELECT token, pid FROM sessions");
        while (sessions->step()) {
          if (!file_identity::process_alive(sessions->int64(1)))
            stale.push_back(sessions->int64(0));
        }
      }
      for (std::int64_t token : stale) {
        auto drop = conn.cached("DELETE FROM sessions WHERE token = ?1");
        drop->bind(1, token);
        drop->run();
        unclean = true;
      }
      if (unclean || schema::get_text(conn, "fingerprint").value_or("") != fingerprint) {
        take_new_identity(fingerprint);
      }
    }
    if (options.durability == Durability::normal) {
      std::random_device entropy;
      const auto token = static_cast<std::int64_t>(
          ((static_cast<std::uint64_t>(entropy()) << 32) ^ entropy()) >> 1);
      auto insert = conn.cached("INSERT INTO sessions(token, pid, started_ms) VALUES (?1, ?2, ?3)");
      insert->bind(1, token).bind(2, file_identity::current_pid()).bind(3, now_ms());
      insert->run();
      session_token = token;
    }
    transaction.commit();
  }
  if (options.durability == Durability::normal) conn.exec("PRAGMA synchronous = NORMAL");
  load_identity();
  if (options.background_checkpoint.count() > 0) {
    conn.exec("PRAGMA wal_autocheckpoint = 0");
    checkpointer = std::make_unique<Checkpointer>(file, options.background_checkpoint);
  }
}

void Store::Impl::open_for_reading() {
  open_connection();
  auto& conn = *db;
  const schema::FileState state = schema::inspect(conn);
  if (state != schema::FileState::store) {
    throw Error(ErrorCode::not_a_database, file,
                state == schema::FileState::empty ? "no crdt store in this file"
                                                  : "a SQLite database, but not a crdt store");
  }
  schema::check_version(conn, false);
  // A read-only store cannot migrate the file, so it reads version 1's layout as it is.
  snapshots_in_documents = schema::version(conn) < 2;
  sqlite::Transaction transaction(conn, sqlite::Transaction::Kind::read);
  load_identity();
  transaction.commit();
}

void Store::Impl::take_new_identity(const std::string& fingerprint) {
  auto& conn = *db;
  const std::int64_t next = schema::get_int(conn, "incarnation").value_or(0) + 1;
  ReplicaId id = ReplicaId::random();
  if (options.replica_source) {
    const ReplicaId injected(options.replica_source());
    if (injected.valid()) id = injected;
  }
  schema::set(conn, "replica_id", static_cast<std::int64_t>(id.value()));
  schema::set(conn, "incarnation", next);
  schema::set(conn, "fingerprint", fingerprint);
}

void Store::Impl::load_identity() {
  auto& conn = *db;
  const auto id = schema::get_int(conn, "replica_id");
  if (!id || *id == 0) corrupt("metadata has no replica id");
  replica = ReplicaId(static_cast<std::uint64_t>(*id));
  incarnation = static_cast<std::uint64_t>(schema::get_int(conn, "incarnation").value_or(0));
  label = schema::get_text(conn, "label").value_or("");
  created_ms = static_cast<std::uint64_t>(schema::get_int(conn, "created_ms").value_or(0));
  refresh_identity();
}

void Store::Impl::refresh_identity() {
  // Only this connection can change the identity rows while its batch holds the write lock.
  if (batch && batch_identity_read) return;
  auto query = connection().cached(
      "SELECT key, value FROM metadata "
      "WHERE key IN ('replica_id', 'incarnation', 'hlc_wall_ms', 'hlc_logical')");
  HlcStamp stamp{};
  while (query->step()) {
    const std::string key = query->text(0);
    if (key == "replica_id") {
      replica = ReplicaId(query->uint64(1));
    } else if (key == "incarnation") {
      incarnation = query->uint64(1);
    } else if (key == "hlc_wall_ms") {
      stamp.wall_ms = query->uint64(1);
    } else {
      stamp.logical = static_cast<std::uint32_t>(query->uint64(1));
    }
  }
  stored_clock = stamp;
  if (stamp > clock.last()) {
    // Raising the floor first keeps observe() from clamping a stamp this file already issued.
    clock_floor_ms = std::max(clock_floor_ms, stamp.wall_ms);
    clock.observe(stamp);
  }
  batch_identity_read = batch != nullptr;
}

void Store::Impl::store_clock() {
  const HlcStamp last = clock.last();
  if (!(last > stored_clock)) return;
  schema::set(connection(), "hlc_wall_ms", static_cast<std::int64_t>(last.wall_ms));
  schema::set(connection(), "hlc_logical", static_cast<std::int64_t>(last.logical));
  stored_clock = last;
}

// --- Documents: loading and recording --------------------------------------------------------

const DocumentType& Store::Impl::type_for(std::string_view tag) const {
  const DocumentType* type = registry.find(tag);
  if (type == nullptr) {
    throw Error(ErrorCode::unknown_type, file,
                "no document type is registered as " + std::string(tag));
  }
  return *type;
}

CachedDocument* Store::Impl::load(std::string_view id, const DocumentType* expected) {
  auto& conn = connection();
  std::string type;
  std::uint64_t version = 0;
  bool removed = false;
  std::uint64_t pending_count = 0;
  std::uint64_t pending_bytes = 0;
  {
    auto row = conn.cached(
        "SELECT type, version, removed, pending_count, pending_bytes FROM documents WHERE id = ?1");
    row->bind(1, id);
    if (!row->step()) {
      cache.erase(id);
      return nullptr;
    }
    type = row->text(0);
    version = row->uint64(1);
    removed = row->int64(2) != 0;
    pending_count = row->uint64(3);
    pending_bytes = row->uint64(4);
  }
  if (expected != nullptr && expected->tag() != type) {
    throw Error(ErrorCode::wrong_type, file,
                "document " + std::string(id) + " is a " + type + ", not a " + expected->tag());
  }
  if (CachedDocument* cached = cache.find(id);
      cached != nullptr && cached->version == version && cached->type == type) {
    cached->removed = removed;
    cached->pending_count = pending_count;
    cached->pending_bytes = pending_bytes;
    return cached;
  }
  const DocumentType& decoder = expected != nullptr ? *expected : type_for(type);
  std::unique_ptr<AnyDocument> state;
  std::size_t snapshot_bytes = 0;
  std::string error;
  {
    auto row = conn.cached(snapshots_in_documents ? "SELECT snapshot FROM documents WHERE id = ?1"
                                                  : "SELECT snapshot FROM snapshots WHERE id = ?1");
    row->bind(1, id);
    if (!row->step()) corrupt("document " + std::string(id) + " vanished while loading");
    snapshot_bytes = row->size(0);
    state = decoder.decode(row->blob(0), options.max_row_bytes, error);
  }
  if (!state) corrupt("document " + std::string(id) + ": " + error);
  // pending_count is kept exact by every write and fold, so a folded document costs no query.
  if (pending_count > 0) {
    auto pending =
        conn.cached("SELECT seq, delta FROM pending_deltas WHERE document = ?1 ORDER BY seq");
    pending->bind(1, id);
    while (pending->step()) {
      if (!state->merge_frame(pending->blob(1), options.max_row_bytes, error)) {
        corrupt("pending delta " + std::to_string(pending->int64(0)) + " of " + std::string(id) +
                ": " + error);
      }
    }
  }
  CachedDocument* loaded =
      cache.put(id, CachedDocument{type, version, removed, std::move(state), snapshot_bytes});
  loaded->pending_count = pending_count;
  loaded->pending_bytes = pending_bytes;
  return loaded;
}

std::uint64_t Store::Impl::append_log(std::string_view id, std::string_view type,
                                      std::span<const std::uint8_t> delta, ReplicaId origin) {
  auto insert = connection().cached(
      "INSERT INTO delta_log(document, type, origin, created_ms, delta) "
      "VALUES (?1, ?2, ?3, ?4, ?5)");
  insert->bind(1, id).bind(2, type).bind(3, origin.value()).bind(4, now_ms()).bind_blob(5, delta);
  insert->run();
  return static_cast<std::uint64_t>(connection().last_insert_rowid());
}

std::uint64_t Store::Impl::record_delta(std::string_view id, CachedDocument& document, bool exists,
                                        std::span<const std::uint8_t> delta, ReplicaId origin) {
  const std::uint64_t seq = append_log(id, document.type, delta, origin);
  if (exists) {
    auto insert =
        connection().cached("INSERT INTO pending_deltas(seq, document, delta) VALUES (?1, ?2, ?3)");
    insert->bind(1, seq).bind(2, id).bind_blob(3, delta);
    insert->run();
  }
  write_document_row(id, document, exists, delta.size(), exists);
  return seq;
}

void Store::Impl::write_document_row(std::string_view id, CachedDocument& document, bool exists,
                                     std::size_t delta_bytes, bool with_pending) {
  auto& conn = connection();
  const std::vector<std::uint8_t> context = serialization::encode(document.state->context());
  if (!exists) {
    // A new document's first state is about the size of its first delta: store it whole.
    const std::vector<std::uint8_t> snapshot = document.state->encode();
    document.snapshot_bytes = snapshot.size();
    auto insert = conn.cached(
        "INSERT INTO documents(id, type, version, pending_count, pending_bytes, removed, "
        "updated_ms, context) VALUES (?1, ?2, 1, 0, 0, ?3, ?4, ?5)");
    insert->bind(1, id)
        .bind(2, document.type)
        .bind(3, std::int64_t{document.removed ? 1 : 0})
        .bind(4, now_ms())
        .bind_blob(5, context);
    insert->run();
    auto insert_snapshot =
        conn.cached("INSERT OR REPLACE INTO snapshots(id, snapshot) VALUES (?1, ?2)");
    insert_snapshot->bind(1, id).bind_blob(2, snapshot);
    insert_snapshot->run();
    document.version = 1;
    return;
  }
  // load() read the row under this write transaction, so the cached bookkeeping is the row's.
  if (with_pending) {
    document.pending_count += 1;
    document.pending_bytes += delta_bytes;
  }
  {
    auto update = conn.cached(
        "UPDATE documents SET version = ?2, pending_count = ?3, pending_bytes = ?4, removed = ?5, "
        "updated_ms = ?6, context = ?7 WHERE id = ?1");
    update->bind(1, id)
        .bind(2, document.version + 1)
        .bind(3, document.pending_count)
        .bind(4, document.pending_bytes)
        .bind(5, std::int64_t{document.removed ? 1 : 0})
        .bind(6, now_ms())
        .bind_blob(7, context);
    update->run();
    if (conn.changes() != 1) corrupt("document " + std::string(id) + " vanished while writing");
    document.version += 1;
  }
  if (fold_due(options, document.pending_count, document.pending_bytes, document.snapshot_bytes)) {
    fold(id, document);
  }
}

void Store::Impl::fold(std::string_view id, CachedDocument& document) {
  auto& conn = connection();
  {
    const std::vector<std::uint8_t> snapshot = document.state->encode();
    auto update = conn.cached("UPDATE snapshots SET snapshot = ?2 WHERE id = ?1");
    update->bind(1, id).bind_blob(2, snapshot);
    update->run();
    auto reset =
        conn.cached("UPDATE documents SET pending_count = 0, pending_bytes = 0 WHERE id = ?1");
    reset->bind(1, id);
    reset->run();
    document.snapshot_bytes = snapshot.size();
    document.pending_count = 0;
    document.pending_bytes = 0;
  }
  auto drop = conn.cached("DELETE FROM pending_deltas WHERE document = ?1");
  drop->bind(1, id);
  drop->run();
}

// --- Store: lifetime -------------------------------------------------------------------------

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::Store(Store&&) noexcept = default;
Store& Store::operator=(Store&& other) noexcept {
  if (this != &other) {
    try {
      close();
    } catch (...) {
      // Moving over a store must not throw; the file stays consistent without the clean mark.
    }
    impl_ = std::move(other.impl_);
  }
  return *this;
}

Store::~Store() {
  try {
    close();
  } catch (...) {
    // A destructor must not throw; without the clean-shutdown mark the next open only takes a
    // new replica id, which is always safe.
  }
}

Store Store::open(const std::string& file, Options options) {
  auto impl = std::make_unique<Impl>(file, std::move(options));
  if (impl->options.read_only) {
    impl->open_for_reading();
  } else {
    impl->open_for_writing();
  }
  return Store(std::move(impl));
}

void Store::close() {
  if (!impl_ || !impl_->db) return;
  Impl& impl = *impl_;
  if (impl.batch) abort_batch();
  impl.cache.clear();
  impl.checkpointer.reset();
  if (impl.session_token) {
    // A fully synchronous commit also makes every earlier normal-mode commit durable (the WAL is
    // written in order), so removing the session row is the clean-shutdown mark.
    impl.db->exec("PRAGMA synchronous = FULL");
    auto drop = impl.db->cached("DELETE FROM sessions WHERE token = ?1");
    drop->bind(1, *impl.session_token);
    drop->run();
    impl.session_token.reset();
  }
  impl.db.reset();
}

void Store::throw_wrong_type(const DocumentType& expected) {
  throw Error(ErrorCode::wrong_type, {}, "the document is not a " + expected.tag());
}

ReplicaId Store::replica() const { return impl_->replica; }
std::uint64_t Store::incarnation() const { return impl_->incarnation; }
const std::string& Store::label() const { return impl_->label; }
const std::string& Store::file() const { return impl_->file; }

// --- Store: typed updates and batches --------------------------------------------------------

CachedDocument* Store::Impl::prepare_update(std::string_view doc, const DocumentType& type,
                                            bool& exists) {
  refresh_identity();
  CachedDocument* document = load(doc, &type);
  exists = document != nullptr;
  if (!exists) {
    check_new_id(doc);
    document = cache.put(doc, CachedDocument{type.tag(), 0, false, type.create(), 0});
  }
  touched(doc);
  return document;
}

void Store::update_erased(std::string_view doc, const DocumentType& type, const Mutator& mutate) {
  Impl& impl = *impl_;
  impl.require_writable();
  WriteScope scope(impl);
  bool exists = false;
  CachedDocument* document = impl.prepare_update(doc, type, exists);
  try {
    Writer writer(impl.replica, impl.clock, doc);
    std::optional<std::vector<std::uint8_t>> frame = mutate(*document->state, writer);
    if (!frame) {
      if (!exists) impl.cache.erase(doc);
      return;
    }
    impl.store_clock();
    document->removed = false;
    impl.record_delta(doc, *document, exists, *frame, impl.replica);
    scope.commit();
  } catch (...) {
    impl.cache.erase(doc);
    if (impl.batch) impl.batch_failed = true;
    throw;
  }
}

bool Store::update_run(std::string_view doc, const DocumentType& type,
                       const std::vector<const Mutator*>& mutators) {
  Impl& impl = *impl_;
  impl.require_writable();
  WriteScope scope(impl);
  bool exists = false;
  CachedDocument* document = impl.prepare_update(doc, type, exists);
  std::unique_ptr<AnyDocument> joined;
  std::string error;
  try {
    for (const Mutator* mutate : mutators) {
      Writer writer(impl.replica, impl.clock, doc);
      std::optional<std::vector<std::uint8_t>> frame = (*mutate)(*document->state, writer);
      if (!frame) continue;
      if (!joined) {
        joined = type.decode(*frame, SIZE_MAX, error);
      } else if (!joined->merge_frame(*frame, SIZE_MAX, error)) {
        joined.reset();
      }
      if (!joined) impl.corrupt("a delta of " + std::string(doc) + " does not decode: " + error);
    }
  } catch (...) {
    // The caller rolls the run back and retries its updates one by one, each failure its own.
    impl.cache.erase(doc);
    return false;
  }
  if (!joined) {
    if (!exists) impl.cache.erase(doc);
    return true;
  }
  impl.store_clock();
  document->removed = false;
  impl.record_delta(doc, *document, exists, joined->encode(), impl.replica);
  scope.commit();
  return true;
}

Store::GroupStep Store::update_in_group(std::string_view doc, const DocumentType& type,
                                        const Mutator& mutate, bool isolate,
                                        std::exception_ptr& error) {
  Impl& impl = *impl_;
  const HlcStamp stored_clock = impl.stored_clock;
  try {
    std::optional<sqlite::Savepoint> savepoint;
    if (isolate) savepoint.emplace(impl.connection());
    update_erased(doc, type, mutate);
    if (savepoint) savepoint->release();
    return GroupStep::written;
  } catch (...) {
    error = std::current_exception();
    // The savepoint took the stamp it stored back with it; the others' updates stand.
    impl.stored_clock = stored_clock;
    impl.batch_failed = false;
    if (!isolate || !impl.connection().in_transaction()) {
      abort_batch();
      return GroupStep::transaction_lost;
    }
    return GroupStep::failed;
  }
}

Store::GroupStep Store::update_run_in_group(std::string_view doc, const DocumentType& type,
                                            const std::vector<const Mutator*>& mutators) {
  Impl& impl = *impl_;
  const HlcStamp stored_clock = impl.stored_clock;
  bool joined = false;
  try {
    sqlite::Savepoint savepoint(impl.connection());
    joined = update_run(doc, type, mutators);
    if (joined) savepoint.release();
  } catch (...) {
    joined = false;
  }
  if (joined) return GroupStep::written;
  impl.stored_clock = stored_clock;
  impl.batch_failed = false;
  if (!impl.connection().in_transaction()) {
    abort_batch();
    return GroupStep::transaction_lost;
  }
  return GroupStep::failed;
}

void Store::begin_batch() {
  Impl& impl = *impl_;
  impl.require_writable();
  if (impl.batch) throw std::logic_error("crdt::persist::Store: batches do not nest");
  impl.batch = std::make_unique<sqlite::Transaction>(*impl.db, sqlite::Transaction::Kind::write);
  impl.batch_touched.clear();
  impl.batch_failed = false;
  impl.batch_identity_read = false;
}

void Store::commit_batch() {
  Impl& impl = *impl_;
  if (impl.batch_failed) {
    abort_batch();
    throw Error(ErrorCode::io, impl.file,
                "an update inside the batch failed; the whole batch was rolled back");
  }
  try {
    impl.batch->commit();
  } catch (...) {
    abort_batch();
    throw;
  }
  impl.batch.reset();
  impl.batch_touched.clear();
}

void Store::abort_batch() noexcept {
  Impl& impl = *impl_;
  for (const std::string& id : impl.batch_touched) impl.cache.erase(id);
  impl.batch_touched.clear();
  impl.batch.reset();
  impl.batch_failed = false;
}

}  // namespace crdt::persist
