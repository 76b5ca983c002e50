// The schema of a store file and its metadata rows.
//
// Version 2 (version 1 kept the snapshot as the last column of documents; migrate() moves it).
// Tables:
//   metadata(key TEXT PRIMARY KEY, value)
//     schema_version, min_reader_version (the oldest code version that can read the file),
//     replica_id, label, created_ms, incarnation, fingerprint ("device:inode" at creation or at
//     the last new incarnation), hlc_wall_ms, hlc_logical, truncated_through
//   documents(id TEXT PRIMARY KEY, type, version, pending_count, pending_bytes, removed,
//             updated_ms, context BLOB)
//     context is an encode<VersionVector> frame of the full state (snapshot and pending deltas);
//     version is bumped by every write that changes the state.
//   snapshots(id TEXT PRIMARY KEY, snapshot BLOB)
//     the document's encode<T> frame as of its last fold. Apart from documents because SQLite
//     rewrites a whole row on UPDATE: every update writes the documents row, and must not copy
//     the snapshot (a keystroke into a 1 MB text would cost 1 MB).
//   pending_deltas(seq INTEGER PRIMARY KEY, document, delta BLOB)
//     deltas not yet folded into their document's snapshot, keyed by their delta_log seq.
//   delta_log(seq INTEGER PRIMARY KEY AUTOINCREMENT, document, type, origin, created_ms, delta
//   BLOB)
//     AUTOINCREMENT so that a seq is never reused after the newest entries are dropped: peers
//     acknowledge by seq.
//   peers(replica INTEGER PRIMARY KEY, acknowledged, last_contact_ms)
//   hints(id INTEGER PRIMARY KEY AUTOINCREMENT, target, document, type, created_ms, delta BLOB)
// Blobs come last in every row: SQLite reads a row's columns in order, so a small column stored
// after a large blob would cost a walk through the blob's overflow pages (every version check
// would read the whole snapshot).
//   removed_documents(id TEXT PRIMARY KEY, type, removed_ms, observed_context BLOB, baseline BLOB)
//   conflicts(id, type, updated_ms, state BLOB, PRIMARY KEY (id, type))
//   sessions(token INTEGER PRIMARY KEY, pid, started_ms)
//     one row per Store open in Durability::normal, deleted on a clean close; a row whose process
//     is gone marks an unclean shutdown.
// Replica ids are stored as the 64 bits of the id in a signed INTEGER.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace crdt::persist {

namespace sqlite {
class Connection;
}

namespace schema {

inline constexpr std::int64_t kVersion = 2;
inline constexpr std::int64_t kMinReaderVersion = 2;

enum class FileState { empty, store, foreign };

// Reads the file's header and table list; throws not_a_database / storage_corrupt for files that
// are not SQLite databases. Writes nothing.
FileState inspect(sqlite::Connection& db);

// Throws Error(newer_schema) when this code cannot read (or, for writing, write) the file.
void check_version(sqlite::Connection& db, bool for_writing);

// Creates the tables; call inside a write transaction on an empty file.
void create(sqlite::Connection& db);
// The file's schema_version (0 when missing).
std::int64_t version(sqlite::Connection& db);
// Brings a file of an earlier version to kVersion; call inside a write transaction.
void migrate(sqlite::Connection& db);

std::optional<std::int64_t> get_int(sqlite::Connection& db, std::string_view key);
std::optional<std::string> get_text(sqlite::Connection& db, std::string_view key);
void set(sqlite::Connection& db, std::string_view key, std::int64_t value);
void set(sqlite::Connection& db, std::string_view key, std::string_view value);

}  // namespace schema
}  // namespace crdt::persist
