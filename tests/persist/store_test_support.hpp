// Helpers for the store tests: a temporary directory removed at the end of the test, file bytes,
// and a raw SQLite connection for tampering with a file the way a newer version or an accident
// would (the store itself never gives that access).
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <stdlib.h>
#include <string>
#include <vector>

#include <sqlite3.h>

#include <crdt/persist/store.hpp>

#include "../support/temp_dir.hpp"

namespace crdt::persist::test {

using TempDir = crdt::test::TempDir;

inline std::vector<char> file_bytes(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  return std::vector<char>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void write_file(const std::string& file, const std::string& content) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << content;
}

// Runs `sql` on `file` through a plain SQLite connection.
inline void raw_exec(const std::string& file, const std::string& sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open(file.c_str(), &db) != SQLITE_OK) {
    sqlite3_close(db);
    throw std::runtime_error("raw open failed");
  }
  char* message = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
  const std::string error = message != nullptr ? message : "";
  sqlite3_free(message);
  sqlite3_close(db);
  if (rc != SQLITE_OK) throw std::runtime_error("raw exec failed: " + error);
}

// A small options set for tests: no fsync cost matters less than clarity here.
inline Options test_options() {
  Options options;
  options.busy_timeout = std::chrono::milliseconds(10000);
  return options;
}

}  // namespace crdt::persist::test
