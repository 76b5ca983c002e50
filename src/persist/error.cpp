#include "crdt/persist/error.hpp"

#include <utility>

namespace crdt::persist {

std::string_view to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::not_a_database:
      return "not_a_database";
    case ErrorCode::newer_schema:
      return "newer_schema";
    case ErrorCode::storage_corrupt:
      return "storage_corrupt";
    case ErrorCode::storage_busy:
      return "storage_busy";
    case ErrorCode::storage_full:
      return "storage_full";
    case ErrorCode::read_only:
      return "read_only";
    case ErrorCode::wrong_type:
      return "wrong_type";
    case ErrorCode::io:
      return "io";
    case ErrorCode::malformed_input:
      return "malformed_input";
    case ErrorCode::unknown_type:
      return "unknown_type";
    case ErrorCode::invalid_argument:
      return "invalid_argument";
  }
  return "unknown";
}

namespace {
std::string describe(ErrorCode code, const std::string& file, const std::string& detail) {
  std::string text(to_string(code));
  text += ": ";
  text += file.empty() ? std::string("(no file)") : file;
  if (!detail.empty()) text += ": " + detail;
  return text;
}
}  // namespace

Error::Error(ErrorCode code, std::string file, std::string detail)
    : std::runtime_error(describe(code, file, detail)),
      code_(code),
      file_(std::move(file)),
      detail_(std::move(detail)) {}

}  // namespace crdt::persist
