// crdt: keep CRDT documents in a SQLite file and work on them from a shell. See README.md for the
// commands, their JSON output and the exit codes.
#include <string>

#include <CLI/CLI.hpp>

#include "command_context.hpp"
#include "commands/commands.hpp"

namespace crdt::cli {

CLI::App* add_group(CLI::App& app, const std::string& name, const std::string& description) {
  CLI::App* group = app.add_subcommand(name, description);
  group->require_subcommand(1);
  return group;
}

namespace {

// The first word left over where a subcommand was expected, or "".
std::string unknown_command(CLI::App& app) {
  CLI::App* deepest = &app;
  for (auto chosen = deepest->get_subcommands(); !chosen.empty();
       chosen = deepest->get_subcommands()) {
    deepest = chosen.front();
  }
  if (deepest->get_require_subcommand_min() == 0) return {};
  const auto left = deepest->remaining();
  return left.empty() ? std::string() : left.front();
}

int main_impl(int argc, char** argv) {
  CLI::App app("crdt: CRDT documents in a SQLite file (JSON on stdout, errors on stderr)", "crdt");
  app.require_subcommand(1);
  app.footer(
      "Every command takes --db FILE. Output is JSON on stdout (dump and log: one JSON object per "
      "line). Exit codes: 0 success, 1 runtime error, 2 usage error; errors are one line on "
      "stderr.");
  // One line on stderr, like every other error, instead of CLI11's two-line message.
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return std::string("crdt: ") + e.what() + " (run with --help)\n";
  });
  CommandContext context;
  for (const AddCommands add : kCommandGroups) add(app, context);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 reports "crdt bogus" as a missing subcommand; name what was not understood instead.
    if (const std::string unknown = unknown_command(app); !unknown.empty()) {
      report_error("unknown command '" + unknown + "' (run with --help)");
      return kExitUsage;
    }
    const int code = app.exit(e);
    // --help and friends are "errors" that succeed.
    return code == static_cast<int>(CLI::ExitCodes::Success) ? kExitOk : kExitUsage;
  }
  return context.run();
}

}  // namespace

}  // namespace crdt::cli

int main(int argc, char** argv) {
  try {
    return crdt::cli::main_impl(argc, argv);
  } catch (...) {
    crdt::cli::report_error("unexpected error while reading the command line");
    return crdt::cli::kExitRuntime;
  }
}
