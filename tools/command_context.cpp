#include "command_context.hpp"

#include <filesystem>
#include <iostream>
#include <new>
#include <string_view>

namespace crdt::cli {

namespace {

std::string_view describe(persist::ErrorCode code) {
  using persist::ErrorCode;
  switch (code) {
    case ErrorCode::not_a_database:
      return "not a database";
    case ErrorCode::newer_schema:
      return "written by a newer version of crdt";
    case ErrorCode::storage_corrupt:
      return "corrupt";
    case ErrorCode::storage_busy:
      return "busy (locked by another process)";
    case ErrorCode::storage_full:
      return "disk or size limit full";
    case ErrorCode::read_only:
      return "read-only";
    case ErrorCode::wrong_type:
      return "wrong document type";
    case ErrorCode::io:
      return "I/O error";
    case ErrorCode::malformed_input:
      return "malformed input";
    case ErrorCode::unknown_type:
      return "unknown document type";
    case ErrorCode::invalid_argument:
      return "invalid argument";
  }
  return "error";
}

}  // namespace

void CommandContext::add_db_option(CLI::App& command, bool required) {
  auto* option = command.add_option("--db", db_, "the store's SQLite file")->type_name("FILE");
  if (required) option->required();
}

persist::Store CommandContext::open(Access access, const std::string& label) const {
  persist::Options options;
  options.label = label;
  if (access != Access::create) {
    // Store::open would report SQLite's "unable to open database file"; the path is clearer.
    std::error_code error;
    if (!std::filesystem::exists(db_, error)) throw CommandError(db_ + ": no such file");
    options.create = false;
  }
  options.read_only = access == Access::read;
  return persist::Store::open(db_, options);
}

void CommandContext::print(const Json& value) {
  std::cout << value.dump(-1, ' ', false, Json::error_handler_t::replace) << '\n';
}

int CommandContext::run() noexcept {
  if (!action_) {
    report_error("no command given (run with --help)");
    return kExitUsage;
  }
  try {
    action_();
    std::cout.flush();
    // A result that could not be written (a closed pipe, a full disk) must not look like success.
    if (!std::cout) {
      report_error("cannot write the result to stdout");
      return kExitRuntime;
    }
    return kExitOk;
  } catch (const UsageError& e) {
    report_error(std::string(e.what()) + " (run with --help)");
    return kExitUsage;
  } catch (const CommandError& e) {
    report_error(e.what());
  } catch (const persist::Error& e) {
    const std::string& file = e.file().empty() ? db_ : e.file();
    std::string line = file + ": " + std::string(describe(e.code()));
    if (!e.detail().empty()) line += " (" + e.detail() + ")";
    report_error(line);
  } catch (const std::bad_alloc&) {
    report_error("out of memory");
  } catch (const std::exception& e) {
    // The core's messages already start with "crdt: "; one prefix is enough.
    std::string_view what = e.what();
    if (what.starts_with("crdt: ")) what.remove_prefix(6);
    report_error(std::string(what));
  } catch (...) {
    report_error("unknown error");
  }
  return kExitRuntime;
}

void report_error(const std::string& message) noexcept {
  try {
    std::cerr << "crdt: " << message << std::endl;
  } catch (...) {
    // Nothing is left to report the failure to.
  }
}

}  // namespace crdt::cli
