// Serializer for PNCounter.
//
// Encoding: pn_counter := count (replica_id increments:varint decrements:varint seq:varint)*count
// with replicas strictly ascending (see causal.hpp). Loading checks well_formed(): every entry
// belongs to a valid replica and records at least one operation.
#pragma once

#include <string>

#include "crdt/pn_counter.hpp"
#include "crdt/serialization/access.hpp"
#include "crdt/serialization/causal.hpp"
#include "crdt/serialization/checked_archive.hpp"
#include "crdt/serialization/serializable.hpp"
#include "crdt/serialization/type_tag.hpp"

namespace crdt {

template <class Archive>
void serialize(Archive& ar, PNCounter::Entry& entry, const unsigned int) {
  serialization::fields(ar, entry.increments, entry.decrements, entry.seq);
}

template <class Archive>
void serialize(Archive& ar, PNCounter& counter, const unsigned int) {
  serialization::fields(ar, SerializationAccess::entries(counter));
  serialization::detail::require_well_formed(ar, counter.well_formed(), "PNCounter");
}

}  // namespace crdt

namespace crdt::serialization {

template <>
struct TypeTag<PNCounter> {
  static std::string name() { return "pncounter"; }
};

}  // namespace crdt::serialization
