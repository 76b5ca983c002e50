// Serializer for ORMap<K, V>.
//
// Encoding: or_map := causal_state (causal_state.hpp) whose store is: store := count (key
// value_store)*count with keys strictly ascending, where value_store is V's store as V's own
// encoding writes it (a dot_set for ORSet, dot-to-value pairs for MVRegister and CausalCounter, a
// nested store for ORMap). The one shared context is written once, at the top. Loading checks
// well_formed(): every dot at every depth is a valid dot of the context, and no key, at any depth,
// holds an empty store.
#pragma once

#include <string>

#include "crdt/or_map.hpp"
#include "crdt/serialization/access.hpp"
#include "crdt/serialization/causal.hpp"
#include "crdt/serialization/causal_state.hpp"
#include "crdt/serialization/checked_archive.hpp"
#include "crdt/serialization/serializable.hpp"
#include "crdt/serialization/type_tag.hpp"

namespace crdt {

template <class Archive, class K, class V>
requires serialization::Archivable<K> && serialization::Archivable<typename V::Store>
void serialize(Archive& ar, ORMap<K, V>& map, const unsigned int) {
  serialization::fields(ar, SerializationAccess::state(map));
  serialization::detail::require_well_formed(ar, map.well_formed(), "ORMap");
}

}  // namespace crdt

namespace crdt::serialization {

template <HasTypeTag K, HasTypeTag V>
struct TypeTag<ORMap<K, V>> {
  static std::string name() {
    return "ormap<" + TypeTag<K>::name() + "," + TypeTag<V>::name() + ">";
  }
};

}  // namespace crdt::serialization
