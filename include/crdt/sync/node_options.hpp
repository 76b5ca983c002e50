// NodeOptions: what a node listens on, whom it connects to, what it shares, and its timings.
//
// The defaults suit a device or a hub on a LAN or the internet; tests shorten the timings. Every
// duration is physical time on the node's EventLoop (virtual time under simulation).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crdt/sync/address.hpp"
#include "crdt/sync/bytes.hpp"
#include "crdt/sync/limits.hpp"
#include "crdt/sync/sync_settings.hpp"

namespace crdt::sync {

struct NodeOptions {
  std::vector<Address> listen;  // port 0 picks a free port (Node::bound() tells which)
  std::vector<Address> peers;   // connected to, and reconnected to with backoff, for ever
  // The pre-shared secret of the cluster; without one the node only talks to nodes without one
  // (tests and local use: nothing is authenticated then).
  std::optional<Bytes> secret;
  // The documents this node wants from its peers, by id prefix; empty means every document.
  std::vector<std::string> subscribe;

  std::size_t max_frame_size = kDefaultMaxFrameSize;
  std::size_t max_send_queue = std::size_t{64} << 20;  // per connection, then it is closed
  // How many connections strangers and peers may hold (limits.hpp).
  ConnectionLimits connections;
  // The protocol's knobs (window, batch sizes, merge slices, message limits).
  SyncSettings sync;

  // How often the delta log is checked for writes made by other processes (e.g. the `crdt`
  // command on the same file); writes through the node are pushed at once.
  std::chrono::milliseconds poll_interval{100};
  std::chrono::milliseconds ack_interval{100};    // how often acknowledgements are persisted
  std::chrono::milliseconds keepalive{5000};      // ping a quiet connection this often
  std::chrono::milliseconds idle_timeout{20000};  // close a connection silent this long
  std::chrono::milliseconds handshake_timeout{10000};
  std::chrono::milliseconds reconnect_min{100};  // backoff: doubles per failure, with jitter
  std::chrono::milliseconds reconnect_max{30000};
  std::uint64_t seed = 0;  // for the jitter; 0 draws one

  // Where log lines go (connections, refusals, closed sessions); nothing when empty.
  std::function<void(std::string_view)> log;
  // Where subscription callbacks run; on the node's own thread when empty.
  std::function<void(std::function<void()>)> callback_executor;
};

}  // namespace crdt::sync
