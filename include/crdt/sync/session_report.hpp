// SessionReport: what a node can tell about one of its sessions, for status output and for apps
// that show sync progress. Plain values, copied out of the engine.
//
// The point is to make lag visible: pending_entries and pending_bytes are what the peer still
// misses of this node's log (past its last acknowledgement), and ms_since_contact how long the
// peer has been silent.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "crdt/causal/replica_id.hpp"

namespace crdt::sync {

// What this side is doing for the peer: waiting for its sync_start, repairing by digests,
// streaming the log, or nothing (an observer session).
enum class OutboundState { waiting, repairing, streaming, idle };
std::string_view to_string(OutboundState state);

struct PeerProgress {
  OutboundState state = OutboundState::waiting;
  std::uint64_t head_at_start = 0;  // this side's log head when the session began
  std::uint64_t sent_to = 0;        // log position sent up to
  std::uint64_t acknowledged = 0;   // highest log position the peer acknowledged
  std::uint64_t messages_in_flight = 0;
  std::uint64_t repair_documents_sent = 0;
  std::uint64_t digest_rounds = 0;
  std::uint64_t digest_bytes_sent = 0;
  std::uint64_t digest_bytes_received = 0;
  std::uint64_t documents_received = 0;  // items merged that changed something here
  std::uint64_t items_received = 0;
  std::uint64_t items_sent = 0;
  bool caught_up_sent = false;
  bool caught_up_received = false;
};

struct LinkStats {
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_received = 0;
  std::uint64_t frames_sent = 0;
  std::uint64_t frames_received = 0;
};

struct SessionReport {
  std::uint64_t id = 0;
  ReplicaId peer;  // once established
  std::string label;
  std::string remote;
  bool outgoing = false;
  bool established = false;
  bool initial_sync_done = false;
  PeerProgress progress;
  LinkStats link;
  std::uint64_t ms_since_contact = 0;
  std::uint64_t pending_entries = 0;
  std::uint64_t pending_bytes = 0;
};

}  // namespace crdt::sync
