// crdt set add|rm DOC ELEM...: an add-wins observed-remove set of strings.
#include <memory>
#include <string>
#include <vector>

#include "arguments.hpp"
#include "commands/commands.hpp"
#include "commands/output.hpp"
#include "document_kinds.hpp"

namespace crdt::cli {

namespace {

struct SetArgs {
  std::string doc;
  std::vector<std::string> elements;
};

void run_set(const CommandContext& context, const SetArgs& args, bool add) {
  require_utf8("DOC", args.doc, false);
  for (const auto& element : args.elements) require_utf8("ELEM", element);
  persist::Store store = context.open(Access::create);
  // All the elements go in one delta, so the command is one transaction.
  update_as<SetDoc>(store, args.doc, "set", [&](SetDoc& set, persist::Writer& w) {
    SetDoc delta;
    for (const auto& element : args.elements) {
      delta.merge(add ? set.add(w.replica(), element) : set.remove(w.replica(), element));
    }
    return delta;
  });
  print_after_write(store, args.doc);
}

}  // namespace

void add_set_commands(CLI::App& app, CommandContext& context) {
  CLI::App* group = add_group(app, "set", "a set of strings (ORSet, add wins)");
  for (const bool add : {true, false}) {
    CLI::App* command =
        group->add_subcommand(add ? "add" : "rm", add ? "add the elements" : "remove the elements");
    context.add_db_option(*command);
    auto args = std::make_shared<SetArgs>();
    command->add_option("DOC", args->doc, "document id")->required();
    command->add_option("ELEM", args->elements, "elements")->required();
    command->callback([&context, args, add] {
      context.set_action([&context, args, add] { run_set(context, *args, add); });
    });
  }
}

}  // namespace crdt::cli
