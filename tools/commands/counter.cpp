// crdt counter inc|dec DOC [N]: a PNCounter.
#include <memory>
#include <string>

#include "arguments.hpp"
#include "commands/commands.hpp"
#include "commands/output.hpp"
#include "document_kinds.hpp"

namespace crdt::cli {

namespace {

struct CounterArgs {
  std::string doc;
  std::string amount = "1";
};

void run_counter(const CommandContext& context, const CounterArgs& args, bool increment) {
  require_utf8("DOC", args.doc, false);
  const std::uint64_t n = parse_amount("N", args.amount);
  persist::Store store = context.open(Access::create);
  update_as<CounterDoc>(store, args.doc, "counter", [&](CounterDoc& counter, persist::Writer& w) {
    return increment ? counter.increment(w.replica(), n) : counter.decrement(w.replica(), n);
  });
  print_after_write(store, args.doc);
}

}  // namespace

void add_counter_commands(CLI::App& app, CommandContext& context) {
  CLI::App* group = add_group(app, "counter", "a counter (PNCounter): increments minus decrements");
  for (const bool increment : {true, false}) {
    CLI::App* command = group->add_subcommand(
        increment ? "inc" : "dec", increment ? "add N (default 1)" : "subtract N (default 1)");
    context.add_db_option(*command);
    auto args = std::make_shared<CounterArgs>();
    command->add_option("DOC", args->doc, "document id")->required();
    command->add_option("N", args->amount, "a positive integer (default 1)")->type_name("INT");
    command->callback([&context, args, increment] {
      context.set_action([&context, args, increment] { run_counter(context, *args, increment); });
    });
  }
}

}  // namespace crdt::cli
