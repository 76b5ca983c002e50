// Outbox: where the peer protocol's frames go (the session's PeerLink in production, a list in
// the protocol's unit tests).
#pragma once

#include <cstddef>

#include "frame.hpp"

namespace crdt::sync {

class Outbox {
 public:
  virtual ~Outbox() = default;
  // Sends one message; false when the session is closed (or just closed itself).
  virtual bool send(const Frame& message) = 0;
  virtual bool closed() const = 0;
  // Bytes sent and not yet handed to the network: what the peer has not read yet.
  virtual std::size_t unsent_bytes() const { return 0; }
};

}  // namespace crdt::sync
