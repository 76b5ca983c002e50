// Every serializer, the codec, and a compile-time check that every type of the library is
// Serializable with the element types it is used with. The store's and the node's headers include
// this one (persist/document_type.hpp), so a program that stores or syncs a type of the library
// needs only that type's header and the store's or the node's.
#pragma once

#include <cstdint>
#include <string>

#include "crdt/serialization/bounded_counter.hpp"
#include "crdt/serialization/causal.hpp"
#include "crdt/serialization/causal_counter.hpp"
#include "crdt/serialization/codec.hpp"
#include "crdt/serialization/lww_register.hpp"
#include "crdt/serialization/mv_register.hpp"
#include "crdt/serialization/or_map.hpp"
#include "crdt/serialization/or_set.hpp"
#include "crdt/serialization/pn_counter.hpp"
#include "crdt/serialization/serializable.hpp"
#include "crdt/serialization/text.hpp"

namespace crdt::serialization {

static_assert(Serializable<ReplicaId>);
static_assert(Serializable<Dot>);
static_assert(Serializable<HlcStamp>);
static_assert(Serializable<DotRanges>);
static_assert(Serializable<VersionVector>);
static_assert(Serializable<ORSet<std::string>>);
static_assert(Serializable<ORSet<std::int64_t>>);
static_assert(Serializable<ORSet<std::uint64_t>>);
static_assert(Serializable<MVRegister<std::string>>);
static_assert(Serializable<MVRegister<std::int64_t>>);
static_assert(Serializable<CausalCounter>);
static_assert(Serializable<ORMap<std::string, CausalCounter>>);
static_assert(Serializable<ORMap<std::string, ORSet<std::string>>>);
static_assert(Serializable<ORMap<std::string, MVRegister<std::string>>>);
static_assert(Serializable<ORMap<std::uint64_t, ORMap<std::string, CausalCounter>>>);
static_assert(Serializable<PNCounter>);
static_assert(Serializable<LWWRegister<std::string>>);
static_assert(Serializable<LWWRegister<std::int64_t>>);
static_assert(Serializable<BoundedCounter>);
static_assert(Serializable<BasicBoundedCounter<-100>>);
static_assert(Serializable<Text>);

}  // namespace crdt::serialization
