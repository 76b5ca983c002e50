// SerializationAccess: the one class through which the serialization layer reaches the private
// members of the core types. Every core type declares `friend class SerializationAccess;`; the
// serializers under include/crdt/serialization/ call these accessors and nothing else private.
//
// The accessors are templates so this header needs none of the type headers: each one names the
// member that its listed types hold. Loading writes through the same references, and every
// serializer checks the loaded state with its well_formed() before handing it out.
#pragma once

#include <tuple>

namespace crdt {

class SerializationAccess {
 public:
  // ReplicaId::value_.
  template <class T>
  static auto& value(T& id) {
    return id.value_;
  }

  // DotRanges::ranges_.
  template <class T>
  static auto& ranges(T& ranges) {
    return ranges.ranges_;
  }

  // VersionVector::entries_, PNCounter::entries_, BasicBoundedCounter::entries_.
  template <class T>
  static auto& entries(T& state) {
    return state.entries_;
  }

  // The CausalState of ORSet, MVRegister, CausalCounter and ORMap.
  template <class T>
  static auto& state(T& value) {
    return value.state_;
  }
  // The parts of a CausalState.
  template <class T>
  static auto& store(T& state) {
    return state.store_;
  }
  template <class T>
  static auto& causal(T& state) {
    return state.causal_;
  }
  template <class T>
  static auto& complete(T& state) {
    return state.complete_;
  }
  // The causal context of LWWRegister.
  template <class T>
  static auto& context(T& state) {
    return state.context_;
  }

  // The members of Text, in the order its serializer uses them.
  template <class T>
  static auto text_members(T& text) {
    return std::tie(text.sequence_, text.text_, text.pending_, text.deletes_, text.pending_deletes_,
                    text.context_, text.max_lamport_);
  }

  // LWWRegister::winner_.
  template <class T>
  static auto& winner(T& state) {
    return state.winner_;
  }
};

}  // namespace crdt
