#include "commands/output.hpp"

#include <string>

#include "command_context.hpp"
#include "json_records.hpp"
#include "json_value.hpp"

namespace crdt::cli {

std::optional<Json> document_json(persist::Store& store, std::string_view doc, bool with_context) {
  const auto info = store.info(doc);
  if (!info) return std::nullopt;
  auto value = document_value(store, doc, info->type);
  if (!value) return std::nullopt;
  Json out = {{"doc", info->id}, {"type", info->type}, {"value", std::move(value->value)}};
  for (auto& [key, detail] : value->details.items()) out[key] = std::move(detail);
  if (with_context) out["context"] = context_json(store.context(doc));
  // States of other types that arrived for this id: the same list on every replica that holds
  // the same states (the document is always the state of the smallest type).
  Json conflicts = Json::array();
  for (const auto& conflict : store.conflicts(doc)) conflicts.push_back(conflict.type);
  if (!conflicts.empty()) out["conflicts"] = std::move(conflicts);
  return out;
}

void print_after_write(persist::Store& store, std::string_view doc) {
  auto out = document_json(store, doc, false);
  CommandContext::print(out ? *out : Json{{"doc", std::string(doc)}, {"value", nullptr}});
}

}  // namespace crdt::cli
