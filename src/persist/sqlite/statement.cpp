#include "sqlite/statement.hpp"

#include <limits>

#include <sqlite3.h>

#include "sqlite/connection.hpp"

namespace crdt::persist::sqlite {

Statement::Statement(Connection& connection, std::string_view sql) : connection_(connection) {
  if (sql.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    connection.fail(SQLITE_TOOBIG, "statement too long");
  }
  const int rc = sqlite3_prepare_v3(connection.handle(), sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &statement_, nullptr);
  if (rc != SQLITE_OK) connection.fail(rc, "prepare");
}

Statement::~Statement() { sqlite3_finalize(statement_); }

Statement& Statement::bind(int index, std::int64_t value) {
  const int rc = sqlite3_bind_int64(statement_, index, value);
  if (rc != SQLITE_OK) connection_.fail(rc, "bind");
  return *this;
}

Statement& Statement::bind(int index, std::uint64_t value) {
  return bind(index, static_cast<std::int64_t>(value));
}

Statement& Statement::bind(int index, std::string_view text) {
  // An empty string must still be text, not NULL: SQLite binds NULL for a null pointer.
  const char* data = text.data() != nullptr ? text.data() : "";
  const int rc =
      sqlite3_bind_text64(statement_, index, data, text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK) connection_.fail(rc, "bind");
  return *this;
}

Statement& Statement::bind_blob(int index, std::span<const std::uint8_t> bytes) {
  // A zero-length blob must still be a blob, not NULL: SQLite binds NULL for a null pointer.
  static const std::uint8_t kEmpty = 0;
  const void* data = bytes.empty() ? &kEmpty : bytes.data();
  const int rc = sqlite3_bind_blob64(statement_, index, data, bytes.size(), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) connection_.fail(rc, "bind");
  return *this;
}

Statement& Statement::bind_null(int index) {
  const int rc = sqlite3_bind_null(statement_, index);
  if (rc != SQLITE_OK) connection_.fail(rc, "bind");
  return *this;
}

bool Statement::step() {
  const int rc = sqlite3_step(statement_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  connection_.fail(rc, "step");
}

void Statement::run() {
  while (step()) {
  }
}

bool Statement::is_null(int column) const {
  return sqlite3_column_type(statement_, column) == SQLITE_NULL;
}

std::int64_t Statement::int64(int column) const { return sqlite3_column_int64(statement_, column); }

std::string Statement::text(int column) const {
  const auto* data = sqlite3_column_text(statement_, column);
  const int bytes = sqlite3_column_bytes(statement_, column);
  if (data == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(data), static_cast<std::size_t>(bytes));
}

std::vector<std::uint8_t> Statement::blob(int column) const {
  const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(statement_, column));
  const int bytes = sqlite3_column_bytes(statement_, column);
  if (data == nullptr) return {};
  return std::vector<std::uint8_t>(data, data + bytes);
}

std::size_t Statement::size(int column) const {
  return static_cast<std::size_t>(sqlite3_column_bytes(statement_, column));
}

void Statement::reset() noexcept {
  sqlite3_reset(statement_);
  sqlite3_clear_bindings(statement_);
}

}  // namespace crdt::persist::sqlite
