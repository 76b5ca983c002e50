#include "schema.hpp"

#include <string>

#include "crdt/persist/error.hpp"
#include "sqlite/connection.hpp"

namespace crdt::persist::schema {

namespace {

constexpr std::string_view kCreate = R"sql(
CREATE TABLE metadata(key TEXT PRIMARY KEY NOT NULL, value) WITHOUT ROWID;
CREATE TABLE documents(
  id TEXT PRIMARY KEY NOT NULL,
  type TEXT NOT NULL,
  version INTEGER NOT NULL,
  pending_count INTEGER NOT NULL DEFAULT 0,
  pending_bytes INTEGER NOT NULL DEFAULT 0,
  removed INTEGER NOT NULL DEFAULT 0,
  updated_ms INTEGER NOT NULL,
  context BLOB NOT NULL);
CREATE TABLE snapshots(id TEXT PRIMARY KEY NOT NULL, snapshot BLOB NOT NULL);
CREATE TABLE pending_deltas(
  seq INTEGER PRIMARY KEY,
  document TEXT NOT NULL,
  delta BLOB NOT NULL);
CREATE INDEX pending_deltas_by_document ON pending_deltas(document, seq);
CREATE TABLE delta_log(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  document TEXT NOT NULL,
  type TEXT NOT NULL,
  origin INTEGER NOT NULL,
  created_ms INTEGER NOT NULL,
  delta BLOB NOT NULL);
CREATE INDEX delta_log_by_document ON delta_log(document, type, seq);
CREATE TABLE peers(
  replica INTEGER PRIMARY KEY,
  acknowledged INTEGER NOT NULL,
  last_contact_ms INTEGER NOT NULL);
CREATE TABLE hints(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  target INTEGER NOT NULL,
  document TEXT NOT NULL,
  type TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  delta BLOB NOT NULL);
CREATE INDEX hints_by_target ON hints(target, id);
CREATE TABLE removed_documents(
  id TEXT PRIMARY KEY NOT NULL,
  type TEXT NOT NULL,
  removed_ms INTEGER NOT NULL,
  observed_context BLOB NOT NULL,
  baseline BLOB);
CREATE TABLE conflicts(
  id TEXT NOT NULL,
  type TEXT NOT NULL,
  updated_ms INTEGER NOT NULL,
  state BLOB NOT NULL,
  PRIMARY KEY (id, type)) WITHOUT ROWID;
CREATE TABLE sessions(
  token INTEGER PRIMARY KEY,
  pid INTEGER NOT NULL,
  started_ms INTEGER NOT NULL);
)sql";

// Version 1 kept the snapshot in the documents row, so every update (which rewrites that row)
// copied the whole snapshot.
constexpr std::string_view kMigrate1To2 = R"sql(
CREATE TABLE snapshots(id TEXT PRIMARY KEY NOT NULL, snapshot BLOB NOT NULL);
INSERT INTO snapshots(id, snapshot) SELECT id, snapshot FROM documents;
ALTER TABLE documents DROP COLUMN snapshot;
)sql";

}  // namespace

FileState inspect(sqlite::Connection& db) {
  // Reading the schema is the first access to the file's pages: a file that is not a database
  // fails here with SQLITE_NOTADB, before anything could be written to it.
  auto tables = db.cached("SELECT name FROM sqlite_schema WHERE type = 'table'");
  bool any = false;
  bool metadata = false;
  while (tables->step()) {
    any = true;
    if (tables->text(0) == "metadata") metadata = true;
  }
  if (!any) return FileState::empty;
  return metadata ? FileState::store : FileState::foreign;
}

void check_version(sqlite::Connection& db, bool for_writing) {
  const auto version = get_int(db, "schema_version");
  const auto min_reader = get_int(db, "min_reader_version");
  if (!version || !min_reader) {
    throw Error(ErrorCode::storage_corrupt, db.file(), "metadata has no schema version");
  }
  if (*min_reader > kVersion || (for_writing && *version > kVersion)) {
    throw Error(ErrorCode::newer_schema, db.file(),
                "schema version " + std::to_string(*version) + " (readable from version " +
                    std::to_string(*min_reader) + "); this code reads version " +
                    std::to_string(kVersion));
  }
}

std::int64_t version(sqlite::Connection& db) { return get_int(db, "schema_version").value_or(0); }

void migrate(sqlite::Connection& db) {
  if (version(db) < 2) db.exec(kMigrate1To2);
  set(db, "schema_version", kVersion);
  set(db, "min_reader_version", kMinReaderVersion);
}

void create(sqlite::Connection& db) {
  db.exec(kCreate);
  set(db, "schema_version", kVersion);
  set(db, "min_reader_version", kMinReaderVersion);
}

std::optional<std::int64_t> get_int(sqlite::Connection& db, std::string_view key) {
  auto query = db.cached("SELECT value FROM metadata WHERE key = ?1");
  query->bind(1, key);
  if (!query->step() || query->is_null(0)) return std::nullopt;
  return query->int64(0);
}

std::optional<std::string> get_text(sqlite::Connection& db, std::string_view key) {
  auto query = db.cached("SELECT value FROM metadata WHERE key = ?1");
  query->bind(1, key);
  if (!query->step() || query->is_null(0)) return std::nullopt;
  return query->text(0);
}

void set(sqlite::Connection& db, std::string_view key, std::int64_t value) {
  auto statement = db.cached("INSERT OR REPLACE INTO metadata(key, value) VALUES (?1, ?2)");
  statement->bind(1, key).bind(2, value);
  statement->run();
}

void set(sqlite::Connection& db, std::string_view key, std::string_view value) {
  auto statement = db.cached("INSERT OR REPLACE INTO metadata(key, value) VALUES (?1, ?2)");
  statement->bind(1, key).bind(2, value);
  statement->run();
}

}  // namespace crdt::persist::schema
