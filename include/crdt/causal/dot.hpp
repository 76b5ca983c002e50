// Dot: the unique name of one event, the replica that issued it and that replica's event counter.
//
// Counters start at 1; a replica issues its dots in order, so its own dots are always contiguous in
// its own causal context. Dots order by replica, then counter, which gives every container of dots
// a deterministic order.
#pragma once

#include <compare>
#include <cstdint>

#include "crdt/causal/replica_id.hpp"

namespace crdt {

struct Dot {
  ReplicaId replica;
  std::uint64_t counter = 0;

  friend constexpr auto operator<=>(const Dot&, const Dot&) = default;
};

}  // namespace crdt
