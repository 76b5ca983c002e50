// Outbox: where the peer protocol's frames go (the session's PeerLink in production, a list in
// the protocol's unit tests).
#pragma once

#include "frame.hpp"

namespace crdt::sync {

class Outbox {
 public:
  virtual ~Outbox() = default;
  // Sends one message; false when the session is closed (or just closed itself).
  virtual bool send(const Frame& message) = 0;
  virtual bool closed() const = 0;
};

}  // namespace crdt::sync
