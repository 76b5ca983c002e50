// Serializer for MVRegister<T>.
//
// Encoding: mv_register := causal_state (causal_state.hpp) whose store is: store := count (dot
// value)*count with dots strictly ascending (see causal.hpp). Loading checks well_formed(): every
// sibling's dot is a valid dot of the context.
#pragma once

#include <string>

#include "crdt/mv_register.hpp"
#include "crdt/serialization/access.hpp"
#include "crdt/serialization/causal.hpp"
#include "crdt/serialization/causal_state.hpp"
#include "crdt/serialization/checked_archive.hpp"
#include "crdt/serialization/serializable.hpp"
#include "crdt/serialization/type_tag.hpp"

namespace crdt {

template <class Archive, class T>
requires serialization::Archivable<T>
void serialize(Archive& ar, MVRegister<T>& reg, const unsigned int) {
  serialization::fields(ar, SerializationAccess::state(reg));
  serialization::detail::require_well_formed(ar, reg.well_formed(), "MVRegister");
}

}  // namespace crdt

namespace crdt::serialization {

template <HasTypeTag T>
struct TypeTag<MVRegister<T>> {
  static std::string name() { return "mvreg<" + TypeTag<T>::name() + ">"; }
};

}  // namespace crdt::serialization
