// crdt log / status: the delta log and the store's own state, read-only; or, with --node, the
// metrics of a running node.
//
// Output: log prints one entry per line (JSON Lines) {"seq", "doc", "type", "origin", "bytes",
// "time"}, oldest first; status prints one object (json_records.hpp) plus the file sizes and the
// conflicts (documents that arrived with two types).
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include <crdt/sync/node_status.hpp>
#include <crdt/sync/status_query.hpp>

#include "arguments.hpp"
#include "commands/commands.hpp"
#include "json_records.hpp"
#include "network_options.hpp"

namespace crdt::cli {

namespace {

struct LogArgs {
  std::string since = "0";
  std::string limit;
};

std::uint64_t file_bytes(const std::string& file) {
  std::error_code error;
  const auto size = std::filesystem::file_size(file, error);
  return error ? 0 : static_cast<std::uint64_t>(size);
}

void run_log(const CommandContext& context, const LogArgs& args) {
  const std::uint64_t since = parse_unsigned("--since", args.since, 0);
  const std::uint64_t limit = args.limit.empty() ? UINT64_MAX : parse_amount("--limit", args.limit);
  persist::Store store = context.open(Access::read);
  constexpr std::uint64_t kPage = 1000;
  std::uint64_t after = since;
  std::uint64_t printed = 0;
  while (printed < limit) {
    const auto page = store.replication().deltas_since(
        after, static_cast<std::size_t>(std::min(kPage, limit - printed)));
    for (const auto& entry : page) CommandContext::print(log_entry_json(entry));
    printed += page.size();
    if (page.empty()) break;
    after = page.back().seq;
  }
}

struct StatusArgs {
  std::string node;
  std::string secret_file;
};

void run_status(const CommandContext& context, const StatusArgs& args) {
  if (!args.node.empty()) {
    // Ask the running node; its JSON is printed as it came, after checking it is JSON.
    const auto address = parse_address("--node", args.node, false);
    const std::string answer = sync::query_status(address, read_secret(args.secret_file));
    Json parsed = Json::parse(answer, nullptr, false);
    if (parsed.is_discarded()) throw CommandError(args.node + ": the node's answer is not JSON");
    CommandContext::print(parsed);
    return;
  }
  if (context.db().empty()) throw UsageError("status needs --db FILE or --node HOST:PORT");
  persist::Store store = context.open(Access::read);
  sync::NodeStatus status = sync::read_status(store);
  status.file_bytes = file_bytes(context.db());
  status.wal_bytes = file_bytes(context.db() + "-wal");
  CommandContext::print(Json::parse(sync::to_json(status)));
}

}  // namespace

void add_inspect_commands(CLI::App& app, CommandContext& context) {
  CLI::App* log = app.add_subcommand("log", "print the delta log, one entry per line");
  context.add_db_option(*log);
  auto log_args = std::make_shared<LogArgs>();
  log->add_option("--since", log_args->since, "entries after this seq (default 0)")
      ->type_name("SEQ");
  log->add_option("--limit", log_args->limit, "at most N entries")->type_name("N");
  log->callback([&context, log_args] {
    context.set_action([&context, log_args] { run_log(context, *log_args); });
  });

  CLI::App* status = app.add_subcommand(
      "status",
      "print the replica, sizes, counts, conflicts (--db) or a running node's metrics "
      "(--node)");
  context.add_db_option(*status, false);
  auto status_args = std::make_shared<StatusArgs>();
  status->add_option("--node", status_args->node, "ask the node running at this address")
      ->type_name("HOST:PORT");
  status->add_option("--secret-file", status_args->secret_file, "the cluster's pre-shared secret")
      ->type_name("FILE");
  status->callback([&context, status_args] {
    context.set_action([&context, status_args] { run_status(context, *status_args); });
  });
}

}  // namespace crdt::cli
