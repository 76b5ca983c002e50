// crdt init: creates the store (or opens it) and shows the replica's identity.
#include <memory>
#include <string>

#include "commands/commands.hpp"
#include "json_records.hpp"

namespace crdt::cli {

void add_init_command(CLI::App& app, CommandContext& context) {
  CLI::App* command = app.add_subcommand(
      "init", "create the store (or show it): replica id, label, incarnation, file, created");
  context.add_db_option(*command);
  auto label = std::make_shared<std::string>();
  command->add_option("--id", *label,
                      "a human-readable label for a new store (never its identity; an existing "
                      "store keeps its label)");
  command->callback([&context, label] {
    context.set_action([&context, label] {
      persist::Store store = context.open(Access::create, *label);
      const persist::Status status = store.status();
      CommandContext::print({{"replica", status.replica.to_string()},
                             {"label", status.label},
                             {"incarnation", status.incarnation},
                             {"file", status.file},
                             {"created", sync::iso_time(status.created_ms)}});
    });
  });
}

}  // namespace crdt::cli
