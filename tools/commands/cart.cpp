// crdt cart add|dec|rm DOC ITEM [QTY]: a shopping cart, ORMap<string, CausalCounter>. Removing an
// item resets the quantity this replica observed, so "rm, then add 3" reads 3, and an add made
// concurrently elsewhere survives the removal.
#include <cstdint>
#include <limits>
#include <memory>
#include <string>

#include "arguments.hpp"
#include "commands/commands.hpp"
#include "commands/output.hpp"
#include "document_kinds.hpp"

namespace crdt::cli {

namespace {

enum class CartOp { add, decrement, remove };

struct CartArgs {
  std::string doc;
  std::string item;
  std::string quantity = "1";
};

void run_cart(const CommandContext& context, const CartArgs& args, CartOp op) {
  require_utf8("DOC", args.doc, false);
  require_utf8("ITEM", args.item);
  const auto quantity = static_cast<std::int64_t>(
      parse_amount("QTY", args.quantity, std::numeric_limits<std::int64_t>::max()));
  persist::Store store = context.open(Access::create);
  update_as<CartDoc>(store, args.doc, "cart", [&](CartDoc& cart, persist::Writer& w) {
    if (op != CartOp::add && !cart.contains(args.item)) {
      throw CommandError(args.doc + ": " + args.item + " is not in the cart");
    }
    const ReplicaId replica = w.replica();
    switch (op) {
      case CartOp::add:
        return cart.update(replica, args.item, [&](CausalCounter& count) {
          return count.increment(replica, quantity);
        });
      case CartOp::decrement:
        return cart.update(replica, args.item, [&](CausalCounter& count) {
          return count.decrement(replica, quantity);
        });
      case CartOp::remove:
        return cart.remove(replica, args.item);
    }
    return CartDoc{};
  });
  print_after_write(store, args.doc);
}

}  // namespace

void add_cart_commands(CLI::App& app, CommandContext& context) {
  CLI::App* group = add_group(app, "cart", "a cart: item -> quantity (ORMap of CausalCounter)");
  struct Spec {
    const char* name;
    const char* description;
    CartOp op;
  };
  for (const Spec& spec : {Spec{"add", "add QTY (default 1) of ITEM", CartOp::add},
                           Spec{"dec", "take QTY (default 1) of ITEM away", CartOp::decrement},
                           Spec{"rm", "remove ITEM as observed here", CartOp::remove}}) {
    CLI::App* command = group->add_subcommand(spec.name, spec.description);
    context.add_db_option(*command);
    auto args = std::make_shared<CartArgs>();
    command->add_option("DOC", args->doc, "document id")->required();
    command->add_option("ITEM", args->item, "item name")->required();
    if (spec.op != CartOp::remove) {
      command->add_option("QTY", args->quantity, "a positive integer (default 1)")
          ->type_name("INT");
    }
    const CartOp op = spec.op;
    command->callback([&context, args, op] {
      context.set_action([&context, args, op] { run_cart(context, *args, op); });
    });
  }
}

}  // namespace crdt::cli
