// Writer: what an update's mutator needs to issue its events, handed to it by Store::update.
//
// replica() is the store's current replica id: it may change between two updates (a new
// incarnation after a copy or an unclean shutdown) but never during one, so a mutator must ask for
// it each time instead of keeping it. clock() is the store's hybrid logical clock, already moved
// past every stamp the file has recorded, so an LWW write after a restart never goes back in time.
// Valid only while the mutator runs.
#pragma once

#include <string_view>

#include "crdt/causal/hybrid_logical_clock.hpp"
#include "crdt/causal/replica_id.hpp"

namespace crdt::persist {

class Writer {
 public:
  Writer(ReplicaId replica, HybridLogicalClock& clock, std::string_view document)
      : replica_(replica), clock_(clock), document_(document) {}

  ReplicaId replica() const { return replica_; }
  HybridLogicalClock& clock() const { return clock_; }
  std::string_view document() const { return document_; }

 private:
  ReplicaId replica_;
  HybridLogicalClock& clock_;
  std::string_view document_;
};

}  // namespace crdt::persist
