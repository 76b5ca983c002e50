#include <set>
#include <string>
#include <string_view>

#include <catch2/catch.hpp>

#include <crdt/persist/error.hpp>

using crdt::persist::Error;
using crdt::persist::ErrorCode;

TEST_CASE("persist::Error: carries code, file and detail into its message", "[persist][error]") {
  const Error error(ErrorCode::wrong_type, "/tmp/app.db", "cart:alice is an ORSet");
  CHECK(error.code() == ErrorCode::wrong_type);
  CHECK(error.file() == "/tmp/app.db");
  CHECK(error.detail() == "cart:alice is an ORSet");
  CHECK(std::string(error.what()) == "wrong_type: /tmp/app.db: cart:alice is an ORSet");
}

TEST_CASE("persist::Error: every code has a distinct name", "[persist][error]") {
  std::set<std::string_view> names;
  for (auto code : {ErrorCode::not_a_database, ErrorCode::newer_schema, ErrorCode::storage_corrupt,
                    ErrorCode::storage_busy, ErrorCode::storage_full, ErrorCode::read_only,
                    ErrorCode::wrong_type, ErrorCode::io, ErrorCode::malformed_input,
                    ErrorCode::unknown_type}) {
    CHECK(names.insert(crdt::persist::to_string(code)).second);
  }
  CHECK(std::string(Error(ErrorCode::io, "", "").what()) == "io: (no file)");
}
