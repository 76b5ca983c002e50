// Serializer for CausalCounter.
//
// Encoding: causal_counter := causal_state (causal_state.hpp) whose store is: store := count (dot
// amount)*count with dots strictly ascending and each amount a signed (zigzag) varint (see
// causal.hpp). Loading checks well_formed(): every event's dot is a valid dot of the context.
#pragma once

#include <string>

#include "crdt/causal_counter.hpp"
#include "crdt/serialization/access.hpp"
#include "crdt/serialization/causal.hpp"
#include "crdt/serialization/causal_state.hpp"
#include "crdt/serialization/checked_archive.hpp"
#include "crdt/serialization/serializable.hpp"
#include "crdt/serialization/type_tag.hpp"

namespace crdt {

template <class Archive>
void serialize(Archive& ar, CausalCounter& counter, const unsigned int) {
  serialization::fields(ar, SerializationAccess::state(counter));
  serialization::detail::require_well_formed(ar, counter.well_formed(), "CausalCounter");
}

}  // namespace crdt

namespace crdt::serialization {

template <>
struct TypeTag<CausalCounter> {
  static std::string name() { return "ccounter"; }
};

}  // namespace crdt::serialization
