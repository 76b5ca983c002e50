// Serializer for CausalState<S>, the (store, causal context, complete context) triple under
// ORSet, MVRegister, CausalCounter and ORMap.
//
// Encoding: causal_state := version_vector same:bool [version_vector] store
//   the first version_vector is the causal context; `same` is 1 when the complete context equals
//   it (every state built by local edits and in-order merges), else 0 and the complete context
//   follows. Loading checks well_formed(): complete ⊆ causal, every live dot in complete.
#pragma once

#include "crdt/causal_state.hpp"
#include "crdt/serialization/access.hpp"
#include "crdt/serialization/causal.hpp"
#include "crdt/serialization/checked_archive.hpp"

namespace crdt {

template <class Archive, class S>
requires serialization::Archivable<S>
void serialize(Archive& ar, CausalState<S>& state, const unsigned int) {
  auto& causal = SerializationAccess::causal(state);
  auto& complete = SerializationAccess::complete(state);
  bool same = false;
  if constexpr (Archive::is_saving::value) same = causal == complete;
  serialization::fields(ar, causal, same);
  if (same) {
    if constexpr (Archive::is_loading::value) complete = causal;
  } else {
    serialization::fields(ar, complete);
    // Canonical form: `same` is 0 only when the two differ.
    serialization::detail::require_well_formed(ar, !(complete == causal), "CausalState");
  }
  serialization::fields(ar, SerializationAccess::store(state));
  serialization::detail::require_well_formed(ar, state.well_formed(), "CausalState");
}

}  // namespace crdt
