// crdt rm DOC: removes a document as this replica observed it (Store::remove): updates it had
// not seen survive, and its old content never comes back.
#include <memory>
#include <string>

#include "arguments.hpp"
#include "commands/commands.hpp"

namespace crdt::cli {

void add_remove_command(CLI::App& app, CommandContext& context) {
  CLI::App* command = app.add_subcommand("rm", "remove a document");
  context.add_db_option(*command);
  auto doc = std::make_shared<std::string>();
  command->add_option("DOC", *doc, "document id")->required();
  command->callback([&context, doc] {
    context.set_action([&context, doc] {
      require_utf8("DOC", *doc, false);
      persist::Store store = context.open(Access::existing);
      if (!store.remove(*doc)) throw CommandError(*doc + ": no such document");
      CommandContext::print({{"doc", *doc}, {"removed", true}});
    });
  });
}

}  // namespace crdt::cli
