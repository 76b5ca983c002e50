#include "document_kinds.hpp"

namespace crdt::cli {

void require_type(persist::Store& store, std::string_view doc, std::string_view kind,
                  const std::string& tag) {
  const auto info = store.info(doc);
  if (!info || info->type == tag) return;
  throw CommandError(std::string(doc) + " is a " + info->type + ", not a " + std::string(kind) +
                     " (" + tag + ")");
}

}  // namespace crdt::cli
