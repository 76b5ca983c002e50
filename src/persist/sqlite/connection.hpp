// Connection: one sqlite3 database handle, owned, with the store's open flags, a busy timeout and
// a cache of prepared statements.
//
// This folder is the only code that calls the sqlite3 C API. Every SQLite failure becomes a
// crdt::persist::Error with a code the caller can branch on (fail()), the file name and SQLite's
// message. Not thread-safe: one connection is used by one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "sqlite/statement.hpp"

struct sqlite3;

namespace crdt::persist::sqlite {

struct OpenMode {
  bool read_only = false;
  bool create = true;  // create the file when it does not exist (read-write only)
  std::chrono::milliseconds busy_timeout{5000};
};

class Connection {
 public:
  Connection(std::string file, const OpenMode& mode);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one or more statements that return no rows the caller needs.
  void exec(std::string_view sql);
  // A statement prepared on first use and kept for the life of the connection.
  StatementUse cached(std::string_view sql);

  std::int64_t last_insert_rowid() const;
  std::int64_t changes() const;
  // True when SQLite opened the main database read-only (asked for, or the file is not writable).
  bool read_only() const;
  // False once SQLite has ended the transaction, e.g. rolled it back itself after a disk error.
  bool in_transaction() const;

  const std::string& file() const { return file_; }
  sqlite3* handle() const { return db_; }

  // Throws the Error for SQLite result code `rc`; `what` says what was being done.
  [[noreturn]] void fail(int rc, std::string_view what) const;

 private:
  std::string file_;
  sqlite3* db_ = nullptr;
  std::map<std::string, std::unique_ptr<Statement>, std::less<>> statements_;
};

}  // namespace crdt::persist::sqlite
