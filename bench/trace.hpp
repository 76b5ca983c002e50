// Editing traces in the format of ../shared/traces (gzipped JSON): sequential traces with
// transactions of patches, and concurrent traces whose transactions name their parents.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace crdt::bench {

struct Patch {
  std::size_t pos = 0;
  std::size_t deleted = 0;
  std::string inserted;
};

struct Transaction {
  std::vector<std::size_t> parents;  // concurrent traces only
  std::size_t agent = 0;
  std::vector<Patch> patches;
};

struct Trace {
  std::string name;
  std::string end_content;
  bool concurrent = false;
  std::size_t agents = 1;
  std::vector<Transaction> transactions;
  std::size_t patch_count() const;
};

// Reads a trace; throws std::runtime_error with the reason when the file is missing or malformed.
Trace load_trace(const std::string& path);

}  // namespace crdt::bench
