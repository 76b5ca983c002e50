// crdt lww set / crdt mv set DOC VALUE: registers of strings. LWW keeps the write with the highest
// hybrid-logical-clock stamp; MV keeps every concurrent write until a later one supersedes them.
#include <memory>
#include <string>

#include "arguments.hpp"
#include "commands/commands.hpp"
#include "commands/output.hpp"
#include "document_kinds.hpp"

namespace crdt::cli {

namespace {

struct RegisterArgs {
  std::string doc;
  std::string value;
};

void run_lww_set(const CommandContext& context, const RegisterArgs& args) {
  require_utf8("DOC", args.doc, false);
  require_utf8("VALUE", args.value);
  persist::Store store = context.open(Access::create);
  update_as<LwwDoc>(store, args.doc, "lww register", [&](LwwDoc& reg, persist::Writer& w) {
    return reg.set(w.replica(), w.clock(), args.value);
  });
  print_after_write(store, args.doc);
}

void run_mv_set(const CommandContext& context, const RegisterArgs& args) {
  require_utf8("DOC", args.doc, false);
  require_utf8("VALUE", args.value);
  persist::Store store = context.open(Access::create);
  update_as<MvDoc>(store, args.doc, "mv register", [&](MvDoc& reg, persist::Writer& w) {
    return reg.write(w.replica(), args.value);
  });
  print_after_write(store, args.doc);
}

void add_set_command(CLI::App& group, CommandContext& context,
                     void (*run)(const CommandContext&, const RegisterArgs&)) {
  CLI::App* command = group.add_subcommand("set", "write VALUE");
  context.add_db_option(*command);
  auto args = std::make_shared<RegisterArgs>();
  command->add_option("DOC", args->doc, "document id")->required();
  command->add_option("VALUE", args->value, "a string")->required();
  command->callback([&context, args, run] {
    context.set_action([&context, args, run] { run(context, *args); });
  });
}

}  // namespace

void add_register_commands(CLI::App& app, CommandContext& context) {
  add_set_command(*add_group(app, "lww", "a last-writer-wins register of a string"), context,
                  run_lww_set);
  add_set_command(*add_group(app, "mv", "a multi-value register of a string (keeps conflicts)"),
                  context, run_mv_set);
}

}  // namespace crdt::cli
