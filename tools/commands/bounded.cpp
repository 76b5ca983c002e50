// crdt bounded inc|dec|transfer: a counter that never goes below 0 (BoundedCounter). A replica
// spends only the rights it holds; when they do not cover N the command fails and says how many
// it holds, since only a transfer from another replica can give it more.
#include <memory>
#include <optional>
#include <string>

#include "arguments.hpp"
#include "commands/commands.hpp"
#include "commands/output.hpp"
#include "document_kinds.hpp"

namespace crdt::cli {

namespace {

enum class BoundedOp { increment, decrement, transfer };

struct BoundedArgs {
  std::string doc;
  std::string amount;
  std::string to;
};

void run_bounded(const CommandContext& context, const BoundedArgs& args, BoundedOp op) {
  require_utf8("DOC", args.doc, false);
  const std::uint64_t n = parse_amount("N", args.amount);
  const std::optional<ReplicaId> to =
      op == BoundedOp::transfer ? std::optional(parse_replica_id("TO_REPLICA_ID", args.to))
                                : std::nullopt;
  persist::Store store = context.open(Access::create);
  if (to && *to == store.replica()) {
    throw CommandError(args.doc + ": cannot transfer rights to this replica itself (" +
                       to->to_string() + ")");
  }
  std::uint64_t rights = 0;
  const auto delta = update_as<BoundedDoc>(
      store, args.doc, "bounded counter",
      [&](BoundedDoc& counter, persist::Writer& w) -> std::optional<BoundedDoc> {
        rights = counter.rights(w.replica());
        switch (op) {
          case BoundedOp::increment:
            return counter.increment(w.replica(), n);
          case BoundedOp::decrement:
            return counter.decrement(w.replica(), n);
          case BoundedOp::transfer:
            return counter.transfer(w.replica(), *to, n);
        }
        return std::nullopt;
      });
  if (!delta) {
    throw CommandError(args.doc + ": cannot " +
                       (op == BoundedOp::decrement ? "decrement" : "transfer") + " " +
                       std::to_string(n) + ": this replica (" + store.replica().to_string() +
                       ") holds only " + std::to_string(rights) + " rights");
  }
  print_after_write(store, args.doc);
}

}  // namespace

void add_bounded_commands(CLI::App& app, CommandContext& context) {
  CLI::App* group =
      add_group(app, "bounded", "a counter with floor 0 (BoundedCounter): spend only held rights");
  struct Spec {
    const char* name;
    const char* description;
    BoundedOp op;
  };
  for (const Spec& spec :
       {Spec{"inc", "add N, giving this replica N rights", BoundedOp::increment},
        Spec{"dec", "subtract N, spending this replica's rights", BoundedOp::decrement},
        Spec{"transfer", "move N of this replica's rights to another replica",
             BoundedOp::transfer}}) {
    CLI::App* command = group->add_subcommand(spec.name, spec.description);
    context.add_db_option(*command);
    auto args = std::make_shared<BoundedArgs>();
    command->add_option("DOC", args->doc, "document id")->required();
    command->add_option("N", args->amount, "a positive integer")->type_name("INT")->required();
    if (spec.op == BoundedOp::transfer) {
      command->add_option("TO_REPLICA_ID", args->to, "the receiving replica's id (hex)")
          ->required();
    }
    const BoundedOp op = spec.op;
    command->callback([&context, args, op] {
      context.set_action([&context, args, op] { run_bounded(context, *args, op); });
    });
  }
}

}  // namespace crdt::cli
