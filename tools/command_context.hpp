// CommandContext: what every `crdt` command shares: the --db option, opening the store the way
// the command needs it, printing its JSON result, and turning every failure into one line on
// stderr and an exit code.
//
// Exit codes (documented in README.md): 0 success; 1 a runtime error (the store refused, the
// document has another type, a bounded counter lacks rights, a text position is out of range,
// ...); 2 a usage error (unknown command, missing or malformed argument), whether CLI11 or a
// command found it. A command that exits 0 after a write has committed it durably (Store
// guarantees durability on return).
//
// A command's CLI11 callback only records what to run (set_action); run() executes it after
// parsing, so parse errors and runtime errors are reported by one path each.
#pragma once

#include <functional>
#include <stdexcept>
#include <string>

#include <CLI/CLI.hpp>

#include <crdt/persist/store.hpp>

#include "json.hpp"

namespace crdt::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitRuntime = 1;
inline constexpr int kExitUsage = 2;

// A malformed argument found by a command rather than by CLI11: exit 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A runtime failure a command detected itself (no such document, missing rights, ...): exit 1.
// The message is printed after "crdt: " as it is.
class CommandError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// How a command needs its file.
enum class Access {
  create,    // writes; the file is created on first use
  existing,  // writes, but only to a store that already exists (rm)
  read,      // reads only; the file must exist and is opened read-only, so nothing changes
};

class CommandContext {
 public:
  // Adds the --db FILE option to `command` (required unless `required` is false).
  void add_db_option(CLI::App& command, bool required = true);

  // Records the action of the command that was parsed; called from a CLI11 callback.
  void set_action(std::function<void()> action) { action_ = std::move(action); }

  const std::string& db() const { return db_; }

  // Opens --db for `access`. `label` names a new store (crdt init --id).
  persist::Store open(Access access, const std::string& label = {}) const;

  // Prints `value` as one line of JSON on stdout. Invalid UTF-8 that came from a peer is replaced
  // rather than failing the whole output.
  static void print(const Json& value);

  // Runs the recorded action; returns the exit code. Never throws.
  int run() noexcept;

 private:
  std::string db_;
  std::function<void()> action_;
};

// Prints "crdt: <message>" on stderr.
void report_error(const std::string& message) noexcept;

}  // namespace crdt::cli
