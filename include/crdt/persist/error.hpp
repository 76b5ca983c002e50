// crdt::persist::Error: the one exception type the store throws.
//
// It carries a code the caller can branch on, the file it concerns and the message SQLite (or the
// store) gave, so an operator reading one line of log knows what failed and where.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace crdt::persist {

enum class ErrorCode {
  not_a_database,    // the file exists but is not a SQLite database
  newer_schema,      // written by a newer version that this one cannot read
  storage_corrupt,   // a row failed its checks
  storage_busy,      // another process held the lock past the busy timeout
  storage_full,      // the disk or quota is full
  read_only,         // the file or directory cannot be written
  wrong_type,        // a document was opened as a type it does not have
  io,                // any other failure reported by SQLite or the OS
  malformed_input,   // bytes handed to the store (a remote delta) failed to decode
  unknown_type,      // no document type is registered under the tag given
  invalid_argument,  // an argument the store cannot take (a document id over the limit)
};

std::string_view to_string(ErrorCode code);

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, std::string file, std::string detail);

  ErrorCode code() const { return code_; }
  const std::string& file() const { return file_; }
  const std::string& detail() const { return detail_; }

 private:
  ErrorCode code_;
  std::string file_;
  std::string detail_;
};

}  // namespace crdt::persist
