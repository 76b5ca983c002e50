// BuiltinTypes: the document types every Store knows without registration (Store::register_type
// adds others). The one list that the store's type registry, the command line's readers and the
// tests are built from; a type added here is stored, merged, synced and printed everywhere.
#pragma once

#include <cstdint>
#include <string>

#include "crdt/bounded_counter.hpp"
#include "crdt/causal_counter.hpp"
#include "crdt/lww_register.hpp"
#include "crdt/mv_register.hpp"
#include "crdt/or_map.hpp"
#include "crdt/or_set.hpp"
#include "crdt/pn_counter.hpp"
#include "crdt/text.hpp"

namespace crdt::persist {

template <class... T>
struct TypeList {};

using BuiltinTypes =
    TypeList<ORSet<std::string>, ORSet<std::int64_t>, ORSet<std::uint64_t>, MVRegister<std::string>,
             MVRegister<std::int64_t>, LWWRegister<std::string>, LWWRegister<std::int64_t>,
             CausalCounter, PNCounter, BoundedCounter, ORMap<std::string, CausalCounter>,
             ORMap<std::string, ORSet<std::string>>, ORMap<std::string, MVRegister<std::string>>,
             Text>;

}  // namespace crdt::persist
