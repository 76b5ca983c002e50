// ConnectionAdmission: which accepted connections a node keeps, so that strangers cannot use up
// its descriptors and memory, nor lock honest peers out.
//
// A connection whose handshake has not finished is a stranger's: cheap to open, and it costs the
// node a descriptor and a read buffer. At most max_pending of them are kept, at most
// max_pending_per_address from one address; a new one beyond either bound evicts the oldest
// pending one (from that address, or overall). So a flood of idle sockets cannot keep out an
// honest peer, whose handshake takes milliseconds: the flood evicts itself. Once authenticated, a
// connection is a session, counted against max_sessions and max_sessions_per_address; a handshake
// that would pass either is refused. Connections this node dials are its own and not counted.
//
// Addresses are compared without their port. Not thread safe: the engine's loop owns it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "crdt/sync/limits.hpp"

namespace crdt::sync {

class ConnectionAdmission {
 public:
  explicit ConnectionAdmission(ConnectionLimits limits) : limits_(limits) {}

  // The host part of "HOST:PORT" or "[V6]:PORT", which is what the limits count per address.
  static std::string host_of(std::string_view remote) {
    const auto colon = remote.rfind(':');
    std::string_view host = colon == std::string_view::npos ? remote : remote.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
      host = host.substr(1, host.size() - 2);
    }
    return std::string(host);
  }

  // A connection was accepted from `remote`. Returns the pending connections to close to make
  // room (oldest first), with the limit each one was evicted for.
  struct Eviction {
    std::uint64_t id = 0;
    const char* limit = "";
  };
  std::vector<Eviction> admit(std::uint64_t id, std::string_view remote) {
    std::vector<Eviction> evicted;
    const std::string host = host_of(remote);
    for (auto same = pending_by_host_.find(host);
         same != pending_by_host_.end() && same->second.size() >= limits_.max_pending_per_address;
         same = pending_by_host_.find(host)) {
      const std::uint64_t oldest = same->second.front();
      evicted.push_back({oldest, "max_pending_per_address"});
      forget_pending(oldest);
    }
    while (!order_.empty() && order_.size() >= limits_.max_pending) {
      evicted.push_back({order_.front(), "max_pending"});
      forget_pending(order_.front());
    }
    order_.push_back(id);
    pending_by_host_[host].push_back(id);
    host_of_[id] = host;
    return evicted;
  }

  // The connection's handshake finished. Returns the limit it would pass, or nullptr when it may
  // stay (it is then a session until closed()).
  const char* establish(std::uint64_t id) {
    const auto it = host_of_.find(id);
    if (it == host_of_.end()) return nullptr;  // not an accepted connection
    const std::string host = it->second;
    forget_pending(id);
    if (sessions_ >= limits_.max_sessions) return "max_sessions";
    if (sessions_by_host_[host] >= limits_.max_sessions_per_address) {
      return "max_sessions_per_address";
    }
    ++sessions_;
    ++sessions_by_host_[host];
    session_host_[id] = host;
    return nullptr;
  }

  void closed(std::uint64_t id) {
    forget_pending(id);
    const auto it = session_host_.find(id);
    if (it == session_host_.end()) return;
    --sessions_;
    if (--sessions_by_host_[it->second] == 0) sessions_by_host_.erase(it->second);
    session_host_.erase(it);
  }

  std::size_t pending() const { return order_.size(); }
  std::size_t sessions() const { return sessions_; }

 private:
  void forget_pending(std::uint64_t id) {
    const auto it = host_of_.find(id);
    if (it == host_of_.end()) return;
    const auto same = pending_by_host_.find(it->second);
    if (same != pending_by_host_.end()) {
      same->second.remove(id);
      if (same->second.empty()) pending_by_host_.erase(same);
    }
    order_.remove(id);
    host_of_.erase(it);
  }

  ConnectionLimits limits_;
  // Pending connections oldest first, overall and per host. Lists, so that removal is cheap at
  // either end; a removal from the middle (a finished handshake) walks at most max_pending.
  std::list<std::uint64_t> order_;
  std::map<std::string, std::list<std::uint64_t>> pending_by_host_;
  std::map<std::uint64_t, std::string> host_of_;  // pending only
  std::map<std::string, std::size_t> sessions_by_host_;
  std::map<std::uint64_t, std::string> session_host_;
  std::size_t sessions_ = 0;
};

}  // namespace crdt::sync
