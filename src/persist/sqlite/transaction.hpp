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

}  // namespace crdt::persist::sqlite
