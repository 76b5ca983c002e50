// The JSON type of the command's output: ordered, so objects print their keys in the order the
// commands build them ("doc", "type", "value", "context") rather than alphabetically.
#pragma once

#include <nlohmann/json.hpp>

namespace crdt::cli {

using Json = nlohmann::ordered_json;

}  // namespace crdt::cli
