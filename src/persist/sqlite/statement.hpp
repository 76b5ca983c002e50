// Statement: one prepared sqlite3 statement, owned, with typed binds and reads.
//
// A Statement is prepared once by its Connection and reused; StatementUse resets it (and clears
// its bindings) when a use ends, so a statement left half-stepped by an exception never holds a
// read snapshot open. Every failure throws crdt::persist::Error through the connection's mapping.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3_stmt;

namespace crdt::persist::sqlite {

class Connection;

class Statement {
 public:
  Statement(Connection& connection, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Parameters are numbered from 1, as in SQL (?1, ?2 ...).
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, std::uint64_t value);  // stored as the same 64 bits, signed
  Statement& bind(int index, std::string_view text);
  Statement& bind_blob(int index, std::span<const std::uint8_t> bytes);
  Statement& bind_null(int index);

  // Steps once: true when a row is ready, false when done.
  bool step();
  // Steps to the end; for statements that return no rows.
  void run();

  // Columns are numbered from 0.
  bool is_null(int column) const;
  std::int64_t int64(int column) const;
  std::uint64_t uint64(int column) const { return static_cast<std::uint64_t>(int64(column)); }
  std::string text(int column) const;
  std::vector<std::uint8_t> blob(int column) const;
  std::size_t size(int column) const;

  void reset() noexcept;

 private:
  Connection& connection_;
  sqlite3_stmt* statement_ = nullptr;
};

// One use of a cached statement; resets it when the use ends.
class StatementUse {
 public:
  explicit StatementUse(Statement& statement) : statement_(statement) {}
  ~StatementUse() { statement_.reset(); }
  StatementUse(const StatementUse&) = delete;
  StatementUse& operator=(const StatementUse&) = delete;

  Statement* operator->() const { return &statement_; }
  Statement& operator*() const { return statement_; }

 private:
  Statement& statement_;
};

}  // namespace crdt::persist::sqlite
