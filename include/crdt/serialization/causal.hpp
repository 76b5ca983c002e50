// Serializers for the causal metadata: ReplicaId, Dot, HlcStamp, CounterRange, DotRanges and
// VersionVector, with their type tags.
//
// Encoding (see checked_archive.hpp for the primitives):
//   replica_id     := 8 bytes little-endian         (ids are random over 64 bits: fixed width)
//   dot            := replica_id counter:varint
//   hlc_stamp      := wall_ms:varint logical:varint
//   counter_range  := lo:varint hi:varint
//   dot_ranges     := count counter_range*count     (sorted, disjoint, non-adjacent, lo >= 1)
//   version_vector := count (replica_id dot_ranges)*count   (replicas ascending, none zero,
//                                                          no empty dot_ranges)
// Loading checks DotRanges and VersionVector with their well_formed() and fails on a violation.
#pragma once

#include <string>

#include "crdt/causal/dot.hpp"
#include "crdt/causal/dot_ranges.hpp"
#include "crdt/causal/hybrid_logical_clock.hpp"
#include "crdt/causal/replica_id.hpp"
#include "crdt/causal/version_vector.hpp"
#include "crdt/serialization/access.hpp"
#include "crdt/serialization/checked_archive.hpp"
#include "crdt/serialization/serializable.hpp"
#include "crdt/serialization/small_vector.hpp"
#include "crdt/serialization/type_tag.hpp"

namespace crdt {

template <class Archive>
void serialize(Archive& ar, ReplicaId& id, const unsigned int) {
  serialization::fields(ar, serialization::fixed(SerializationAccess::value(id)));
}

template <class Archive>
void serialize(Archive& ar, Dot& dot, const unsigned int) {
  serialization::fields(ar, dot.replica, dot.counter);
}

template <class Archive>
void serialize(Archive& ar, HlcStamp& stamp, const unsigned int) {
  serialization::fields(ar, stamp.wall_ms, stamp.logical);
}

template <class Archive>
void serialize(Archive& ar, CounterRange& range, const unsigned int) {
  serialization::fields(ar, range.lo, range.hi);
}

template <class Archive>
void serialize(Archive& ar, DotRanges& ranges, const unsigned int) {
  serialization::fields(ar, SerializationAccess::ranges(ranges));
  serialization::detail::require_well_formed(ar, ranges.well_formed(), "DotRanges");
}

template <class Archive>
void serialize(Archive& ar, VersionVector& context, const unsigned int) {
  serialization::fields(ar, SerializationAccess::entries(context));
  serialization::detail::require_well_formed(ar, context.well_formed(), "VersionVector");
}

}  // namespace crdt

namespace crdt::serialization {

template <>
struct TypeTag<ReplicaId> {
  static std::string name() { return "replica"; }
};

template <>
struct TypeTag<Dot> {
  static std::string name() { return "dot"; }
};

template <>
struct TypeTag<HlcStamp> {
  static std::string name() { return "hlc"; }
};

template <>
struct TypeTag<DotRanges> {
  static std::string name() { return "dotranges"; }
};

template <>
struct TypeTag<VersionVector> {
  static std::string name() { return "vv"; }
};

}  // namespace crdt::serialization
