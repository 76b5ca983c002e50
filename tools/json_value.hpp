// Document values as natural JSON, chosen by the type tag the store keeps for each document:
// a counter is a number, a set a sorted array, a cart an object of item to quantity, an LWW
// register its value or null, an MV register the array of its concurrent values, text a string.
//
// For the types whose removal keeps a baseline (PNCounter, BoundedCounter, LWWRegister; see
// Store::remove), the value is what happened since the removal: the counters subtract the
// baseline, and an LWW register whose winner is the one the removal saw reads null.
#pragma once

#include <optional>
#include <string_view>

#include <crdt/persist/store.hpp>

#include "json.hpp"

namespace crdt::cli {

struct DocumentValue {
  Json value;
  // Facts about the value a reader must not miss, by type: "discarded" (LWW writes lost to a
  // concurrent one), "rights" (what this replica may still spend of a bounded counter).
  Json details = Json::object();
};

// The value of `doc`, whose stored type tag is `type`; nullopt if it does not exist or was
// removed. A type this command does not know reads null.
std::optional<DocumentValue> document_value(persist::Store& store, std::string_view doc,
                                            std::string_view type);

}  // namespace crdt::cli
