// How commands show a document: the object `crdt get` prints, which the mutating commands print
// too (without the context) so a script can chain them.
#pragma once

#include <optional>
#include <string_view>

#include <crdt/persist/store.hpp>

#include "json.hpp"

namespace crdt::cli {

// {"doc", "type", "value", details (json_value.hpp), "context" if asked}; nullopt if `doc` does
// not exist or was removed.
std::optional<Json> document_json(persist::Store& store, std::string_view doc, bool with_context);

// Prints the document as a write left it; {"doc", "value": null} when the write created nothing
// (e.g. removing an element from a set that does not exist).
void print_after_write(persist::Store& store, std::string_view doc);

}  // namespace crdt::cli
