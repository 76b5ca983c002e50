// The document types the command line writes, one per command group, and the check that a
// document is of the group's type before a command touches it.
//
// A document has one type for life (the store enforces it); the check here exists to say so in
// the command line's words ("cart:alice is a pncounter, not a cart") instead of the store's.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include <crdt/bounded_counter.hpp>
#include <crdt/causal_counter.hpp>
#include <crdt/lww_register.hpp>
#include <crdt/mv_register.hpp>
#include <crdt/or_map.hpp>
#include <crdt/or_set.hpp>
#include <crdt/persist/store.hpp>
#include <crdt/pn_counter.hpp>
#include <crdt/serialization/all.hpp>
#include <crdt/serialization/text.hpp>
#include <crdt/text.hpp>

#include "command_context.hpp"

namespace crdt::cli {

using CounterDoc = PNCounter;
using BoundedDoc = BoundedCounter;
using LwwDoc = LWWRegister<std::string>;
using MvDoc = MVRegister<std::string>;
using SetDoc = ORSet<std::string>;
using CartDoc = ORMap<std::string, CausalCounter>;
using TextDoc = Text;

// Throws CommandError when `doc` exists (and is not removed) with a type other than `tag`.
void require_type(persist::Store& store, std::string_view doc, std::string_view kind,
                  const std::string& tag);

// store.update<T>(doc, f) for the command group `kind`, with the type checked first. A removed
// document keeps its type but is invisible to the check; the store's refusal is reworded then.
template <class T, class F>
auto update_as(persist::Store& store, std::string_view doc, std::string_view kind, F&& f) {
  const std::string tag = serialization::TypeTag<T>::name();
  require_type(store, doc, kind, tag);
  try {
    return store.update<T>(doc, std::forward<F>(f));
  } catch (const persist::Error& e) {
    if (e.code() != persist::ErrorCode::wrong_type) throw;
    throw CommandError(std::string(doc) + ": " + e.detail() + " (" + std::string(kind) + ")");
  }
}

}  // namespace crdt::cli
