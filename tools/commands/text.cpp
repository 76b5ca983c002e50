// crdt text insert DOC POS STRING / crdt text delete DOC POS LEN: collaborative text (RGA).
// Positions and lengths count Unicode code points, as the Text API does.
#include <cstddef>
#include <memory>
#include <string>

#include "arguments.hpp"
#include "commands/commands.hpp"
#include "commands/output.hpp"
#include "document_kinds.hpp"

namespace crdt::cli {

namespace {

struct TextArgs {
  std::string doc;
  std::string position;
  std::string operand;  // the string to insert, or the length to delete
};

std::size_t to_size(std::uint64_t value) { return static_cast<std::size_t>(value); }

void run_insert(const CommandContext& context, const TextArgs& args) {
  require_utf8("DOC", args.doc, false);
  const std::size_t position = to_size(parse_unsigned("POS", args.position, 0, SIZE_MAX));
  require_utf8("STRING", args.operand);
  persist::Store store = context.open(Access::create);
  update_as<TextDoc>(store, args.doc, "text", [&](TextDoc& text, persist::Writer& w) {
    // Checked here rather than left to Text's std::out_of_range so the message gives the size.
    if (position > text.size()) {
      throw CommandError(args.doc + ": position " + std::to_string(position) +
                         " is past the end of the text (" + std::to_string(text.size()) +
                         " code points)");
    }
    return text.insert(w.replica(), position, args.operand);
  });
  print_after_write(store, args.doc);
}

void run_delete(const CommandContext& context, const TextArgs& args) {
  require_utf8("DOC", args.doc, false);
  const std::size_t position = to_size(parse_unsigned("POS", args.position, 0, SIZE_MAX));
  const std::size_t length = to_size(parse_amount("LEN", args.operand, SIZE_MAX));
  persist::Store store = context.open(Access::create);
  update_as<TextDoc>(store, args.doc, "text", [&](TextDoc& text, persist::Writer& w) {
    if (position > text.size() || length > text.size() - position) {
      throw CommandError(args.doc + ": cannot delete " + std::to_string(length) +
                         " code points at position " + std::to_string(position) +
                         " (the text has " + std::to_string(text.size()) + ")");
    }
    return text.erase(w.replica(), position, length);
  });
  print_after_write(store, args.doc);
}

}  // namespace

void add_text_commands(CLI::App& app, CommandContext& context) {
  CLI::App* group = add_group(app, "text", "collaborative text (RGA); positions in code points");

  CLI::App* insert = group->add_subcommand("insert", "insert STRING before code point POS");
  context.add_db_option(*insert);
  auto insert_args = std::make_shared<TextArgs>();
  insert->add_option("DOC", insert_args->doc, "document id")->required();
  insert->add_option("POS", insert_args->position, "0 to the text's length")
      ->type_name("INT")
      ->required();
  insert->add_option("STRING", insert_args->operand, "UTF-8 text (use -- before a leading '-')")
      ->required();
  insert->callback([&context, insert_args] {
    context.set_action([&context, insert_args] { run_insert(context, *insert_args); });
  });

  CLI::App* erase = group->add_subcommand("delete", "delete LEN code points from POS");
  context.add_db_option(*erase);
  auto delete_args = std::make_shared<TextArgs>();
  erase->add_option("DOC", delete_args->doc, "document id")->required();
  erase->add_option("POS", delete_args->position, "first code point to delete")
      ->type_name("INT")
      ->required();
  erase->add_option("LEN", delete_args->operand, "a positive integer")
      ->type_name("INT")
      ->required();
  erase->callback([&context, delete_args] {
    context.set_action([&context, delete_args] { run_delete(context, *delete_args); });
  });
}

}  // namespace crdt::cli
