// crdt get / ls / dump: reading documents. The file is opened read-only, so reading never
// changes it (nor takes a new replica id).
//
// Output: get prints one object {"doc", "type", "value", "context", ...details}; ls prints one
// array of {"id", "type", "version", "updated"}; dump prints one get object per line (JSON
// Lines), so a large store streams and a script can read it line by line.
#include <map>
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

  CLI::App* ls = app.add_subcommand(
      "ls", "list documents (a JSON array of id, type and the types kept as conflicts)");
  context.add_db_option(*ls);
  auto prefix = std::make_shared<std::string>();
  auto local = std::make_shared<bool>(false);
  ls->add_option("--prefix", *prefix, "only ids starting with P")->type_name("P");
  ls->add_flag("--local", *local,
               "add this replica's own bookkeeping: version (local writes) and updated (local "
               "time); replicas in the same state differ only there");
  ls->callback([&context, prefix, local] {
    context.set_action([&context, prefix, local] {
      persist::Store store = context.open(Access::read);
      std::map<std::string, Json> conflicts;
      for (const auto& conflict : store.conflicts()) {
        if (!conflict.id.starts_with(*prefix)) continue;
        auto [it, inserted] = conflicts.try_emplace(conflict.id, Json::array());
        it->second.push_back(conflict.type);
      }
      Json out = Json::array();
      for (const auto& info : store.list(*prefix)) {
        Json entry = info_json(info, *local);
        if (auto it = conflicts.find(info.id); it != conflicts.end()) {
          entry["conflicts"] = it->second;
        }
        out.push_back(std::move(entry));
      }
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
