// Catch-up for counters whose state is one entry per replica, owned and only grown by that
// replica, with `seq` counting its operations (PNCounter, BasicBoundedCounter): an entry at seq n
// reflects all of that replica's operations 1..n, so the context is {r: [1..seq]} and a peer
// lacks exactly the entries whose seq it has not reached.
#pragma once

#include "crdt/causal/version_vector.hpp"

namespace crdt::detail {

template <class Entries>
VersionVector entries_context(const Entries& entries) {
  VersionVector out;
  for (const auto& [replica, entry] : entries) out.add_range(replica, 1, entry.seq);
  return out;
}

template <class Entries>
Entries entries_since(const Entries& entries, const VersionVector& known) {
  Entries out;
  for (const auto& [replica, entry] : entries) {
    if (entry.seq > known.max(replica)) out.emplace(replica, entry);
  }
  return out;
}

}  // namespace crdt::detail
