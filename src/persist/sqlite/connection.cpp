#include "sqlite/connection.hpp"

#include <cerrno>
#include <limits>
#include <unistd.h>
#include <utility>

#include <sqlite3.h>

#include "crdt/persist/error.hpp"

namespace crdt::persist::sqlite {

namespace {

// SQLite reports a file it cannot write in several ways, depending on when it notices.
bool file_not_writable(const std::string& file) {
  return ::access(file.c_str(), F_OK) == 0 && ::access(file.c_str(), W_OK) != 0;
}

ErrorCode classify(int rc, const std::string& file) {
  switch (rc & 0xFF) {
    case SQLITE_NOTADB:
      return ErrorCode::not_a_database;
    case SQLITE_FULL:
      return ErrorCode::storage_full;
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return ErrorCode::read_only;
    case SQLITE_CANTOPEN:
      return file_not_writable(file) ? ErrorCode::read_only : ErrorCode::io;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return ErrorCode::storage_busy;
    case SQLITE_CORRUPT:
      return ErrorCode::storage_corrupt;
    default:
      return ErrorCode::io;
  }
}

}  // namespace

Connection::Connection(std::string file, const OpenMode& mode) : file_(std::move(file)) {
  int flags = SQLITE_OPEN_NOMUTEX;
  flags |= mode.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
  if (!mode.read_only && mode.create) flags |= SQLITE_OPEN_CREATE;
  const int rc = sqlite3_open_v2(file_.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    // The handle exists even on failure (unless memory ran out) and carries the message.
    std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw Error(classify(rc, file_), file_, "open: " + message);
  }
  sqlite3_extended_result_codes(db_, 1);
  const auto timeout = mode.busy_timeout.count();
  sqlite3_busy_timeout(db_, timeout > std::numeric_limits<int>::max()
                                ? std::numeric_limits<int>::max()
                                : static_cast<int>(timeout));
}

Connection::~Connection() {
  statements_.clear();  // every statement must be finalized before the handle closes
  sqlite3_close(db_);
}

void Connection::exec(std::string_view sql) {
  const std::string text(sql);
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    const std::string detail = message != nullptr ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    throw Error(classify(rc, file_), file_, detail);
  }
}

StatementUse Connection::cached(std::string_view sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    it = statements_.emplace(std::string(sql), std::make_unique<Statement>(*this, sql)).first;
  }
  return StatementUse(*it->second);
}

std::int64_t Connection::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

std::int64_t Connection::changes() const { return sqlite3_changes64(db_); }

bool Connection::read_only() const { return sqlite3_db_readonly(db_, "main") == 1; }

bool Connection::in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

void Connection::fail(int rc, std::string_view what) const {
  std::string detail(what);
  detail += ": ";
  // sqlite3_errmsg describes the most recent failure on this handle, which is this one.
  detail += db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  throw Error(classify(rc, file_), file_, std::move(detail));
}

}  // namespace crdt::persist::sqlite
