#include "sqlite/transaction.hpp"

#include "sqlite/connection.hpp"

namespace crdt::persist::sqlite {

Transaction::Transaction(Connection& connection, Kind kind) : connection_(connection) {
  connection_.cached(kind == Kind::write ? "BEGIN IMMEDIATE" : "BEGIN")->run();
}

Transaction::~Transaction() {
  if (!open_) return;
  try {
    connection_.cached("ROLLBACK")->run();
  } catch (...) {
    // SQLite has already rolled back when a statement failed with a disk or memory error; there
    // is nothing left to undo and a destructor must not throw.
  }
}

void Transaction::commit() {
  connection_.cached("COMMIT")->run();
  open_ = false;
}

Savepoint::Savepoint(Connection& connection) : connection_(connection) {
  connection_.cached("SAVEPOINT step")->run();
}

Savepoint::~Savepoint() {
  if (!open_ || !connection_.in_transaction()) return;
  try {
    connection_.cached("ROLLBACK TO step")->run();
    connection_.cached("RELEASE step")->run();
  } catch (...) {
    // A destructor must not throw; the enclosing transaction's rollback still undoes everything.
  }
}

void Savepoint::release() {
  connection_.cached("RELEASE step")->run();
  open_ = false;
}

}  // namespace crdt::persist::sqlite
