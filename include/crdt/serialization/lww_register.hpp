// Serializer for LWWRegister<T>.
//
// Encoding: lww_register := version_vector winner,
//           winner := 0x00 | 0x01 value hlc_stamp dot seen:version_vector (see causal.hpp).
// Loading checks well_formed(): the winner's dot is in the context and its `seen` holds no dot of
// its own writer at or after the write.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "crdt/lww_register.hpp"
#include "crdt/serialization/access.hpp"
#include "crdt/serialization/causal.hpp"
#include "crdt/serialization/checked_archive.hpp"
#include "crdt/serialization/serializable.hpp"
#include "crdt/serialization/type_tag.hpp"

namespace crdt {

// The Write is a type nested in a class template, whose T ADL cannot deduce, so it is written
// here field by field instead of by a serialize() of its own.
template <class Archive, class T>
requires serialization::Archivable<T>
void serialize(Archive& ar, LWWRegister<T>& reg, const unsigned int) {
  serialization::fields(ar, SerializationAccess::context(reg));
  auto& winner = SerializationAccess::winner(reg);
  bool present = winner.has_value();
  serialization::fields(ar, present);
  if constexpr (Archive::is_saving::value) {
    if (present) serialization::fields(ar, winner->value, winner->stamp, winner->dot, winner->seen);
  } else {
    if (present) {
      typename LWWRegister<T>::Write write{};
      serialization::fields(ar, write.value, write.stamp, write.dot, write.seen);
      winner = std::move(write);
    } else {
      winner.reset();
    }
  }
  serialization::detail::require_well_formed(ar, reg.well_formed(), "LWWRegister");
}

}  // namespace crdt

namespace crdt::serialization {

template <HasTypeTag T>
struct TypeTag<LWWRegister<T>> {
  static std::string name() { return "lww<" + TypeTag<T>::name() + ">"; }
};

}  // namespace crdt::serialization
