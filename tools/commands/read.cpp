// crdt get / ls / dump: reading documents. The file is opened read-only, so reading never
// changes it (nor takes a new replica id).
//
// Output: get prints one object {"doc", "type", "value", "context", ...details}; ls prints one
// array of {"id", "type", "version", "updated"}; dump prints one get object per line (JSON
// Lines), so a large store streams and a script can read it line by line.
#include <memory>
#include <string>

#include "arguments.hpp"
#include "commands/commands.hpp"
#include "commands/output.hpp"
#include "json_records.hpp"

namespace crdt::cli {

void add_read_commands(CLI::App& app, CommandContext& context) {
  CLI::App* get = app.add_subcommand("get", "print a document: doc, type, value, context");
  context.add_db_option(*get);
  auto doc = std::make_shared<std::string>();
  get->add_option("DOC", *doc, "document id")->required();
  get->callback([&context, doc] {
    context.set_action([&context, doc] {
      require_utf8("DOC", *doc, false);
      persist::Store store = context.open(Access::read);
      auto out = document_json(store, *doc, true);
      if (!out) throw CommandError(*doc + ": no such document");
      CommandContext::print(*out);
    });
  });

  CLI::App* ls =
      app.add_subcommand("ls", "list documents (a JSON array of id, type, version, updated)");
  context.add_db_option(*ls);
  auto prefix = std::make_shared<std::string>();
  ls->add_option("--prefix", *prefix, "only ids starting with P")->type_name("P");
  ls->callback([&context, prefix] {
    context.set_action([&context, prefix] {
      persist::Store store = context.open(Access::read);
      Json out = Json::array();
      for (const auto& info : store.list(*prefix)) out.push_back(info_json(info));
      CommandContext::print(out);
    });
  });

  CLI::App* dump = app.add_subcommand("dump", "print every document as get does, one per line");
  context.add_db_option(*dump);
  dump->callback([&context] {
    context.set_action([&context] {
      persist::Store store = context.open(Access::read);
      for (const auto& info : store.list()) {
        if (auto out = document_json(store, info.id, true)) CommandContext::print(*out);
      }
    });
  });
}

}  // namespace crdt::cli
