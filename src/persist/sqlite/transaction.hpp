// Transaction: BEGIN on construction, ROLLBACK in the destructor unless commit() ran.
//
// Writers begin with BEGIN IMMEDIATE: the write lock is taken (waiting out the busy timeout) before
// anything is read, so a read-modify-write never fails half-way with SQLITE_BUSY_SNAPSHOT, which
// the busy timeout does not wait out. Readers use a deferred BEGIN, which in WAL mode never blocks
// the writer.
#pragma once

namespace crdt::persist::sqlite {

class Connection;

class Transaction {
 public:
  enum class Kind { read, write };

  Transaction(Connection& connection, Kind kind);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  void commit();

 private:
  Connection& connection_;
  bool open_ = true;
};

// Savepoint: a nested unit inside an open transaction, undone alone by its destructor unless
// release() ran, so one failed step does not take the steps before it down with it. If SQLite has
// already rolled the whole transaction back (a disk or memory error), there is nothing left to
// undo; Connection::in_transaction() tells the caller.
class Savepoint {
 public:
  explicit Savepoint(Connection& connection);
  ~Savepoint();
  Savepoint(const Savepoint&) = delete;
  Savepoint& operator=(const Savepoint&) = delete;

  void release();

 private:
  Connection& connection_;
  bool open_ = true;
};

}  // namespace crdt::persist::sqlite
