// Serializer for BasicBoundedCounter<Floor> (and so BoundedCounter).
//
// Encoding: bounded_counter := count (replica_id entry)*count with replicas strictly ascending,
//           entry := increments:varint decrements:varint transfers seq:varint,
//           transfers := count (replica_id amount:varint)*count, destinations strictly ascending
// (see causal.hpp). Floor is not written: it is part of the type, and of the type tag. Loading
// checks well_formed(): valid replicas, seq >= 1, transfers nonzero and to another valid replica.
#pragma once

#include <cstdint>
#include <string>

#include "crdt/bounded_counter.hpp"
#include "crdt/serialization/access.hpp"
#include "crdt/serialization/causal.hpp"
#include "crdt/serialization/checked_archive.hpp"
#include "crdt/serialization/serializable.hpp"
#include "crdt/serialization/type_tag.hpp"

namespace crdt {

// The Entry is a type nested in a class template, whose Floor ADL cannot deduce, so its fields
// are written here.
template <class Archive, std::int64_t Floor>
void serialize(Archive& ar, BasicBoundedCounter<Floor>& counter, const unsigned int) {
  serialization::detail::serialize_map_with(
      ar, SerializationAccess::entries(counter), [](Archive& archive, auto& entry) {
        serialization::fields(archive, entry.increments, entry.decrements, entry.transfers,
                              entry.seq);
      });
  serialization::detail::require_well_formed(ar, counter.well_formed(), "BoundedCounter");
}

}  // namespace crdt

namespace crdt::serialization {

template <std::int64_t Floor>
struct TypeTag<BasicBoundedCounter<Floor>> {
  static std::string name() { return "bcounter<" + std::to_string(Floor) + ">"; }
};

}  // namespace crdt::serialization
