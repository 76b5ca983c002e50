// Serializer for ORSet<T>.
//
// Encoding: or_set := causal_state (causal_state.hpp) whose store is: store := count (element
// dot_set)*count with elements strictly ascending, dot_set := count dot*count (see causal.hpp). The
// wire carries exactly the state, so equal states encode to equal bytes. Loading checks
// well_formed(): dots sorted and unique, every dot of the store in the context, no element without
// dots.
#pragma once

#include <string>

#include "crdt/or_set.hpp"
#include "crdt/serialization/access.hpp"
#include "crdt/serialization/causal.hpp"
#include "crdt/serialization/causal_state.hpp"
#include "crdt/serialization/checked_archive.hpp"
#include "crdt/serialization/serializable.hpp"
#include "crdt/serialization/type_tag.hpp"

namespace crdt {

template <class Archive, class T>
requires serialization::Archivable<T>
void serialize(Archive& ar, ORSet<T>& set, const unsigned int) {
  serialization::fields(ar, SerializationAccess::state(set));
  serialization::detail::require_well_formed(ar, set.well_formed(), "ORSet");
}

}  // namespace crdt

namespace crdt::serialization {

template <HasTypeTag T>
struct TypeTag<ORSet<T>> {
  static std::string name() { return "orset<" + TypeTag<T>::name() + ">"; }
};

}  // namespace crdt::serialization
