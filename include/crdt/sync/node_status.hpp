// NodeStatus: what `crdt status` reports, one structure for a store at rest (`--db`) and for a
// running node (`--node`, Node::status_json()), and to_json(): the one place it becomes JSON, so
// both print the same field names for the same facts.
//
// A store at rest has no listening addresses and no sessions (`running` is false); everything
// else is read from the store: its identity, counts, log, type conflicts and, per known peer,
// what the peer still misses of this replica's log.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "crdt/causal/replica_id.hpp"
#include "crdt/persist/records.hpp"
#include "crdt/sync/address.hpp"
#include "crdt/sync/session_report.hpp"

namespace crdt::persist {
class Store;
}

namespace crdt::sync {

// A peer this replica knows (it acknowledged part of the log at some point).
struct PeerLag {
  ReplicaId peer;
  std::uint64_t acknowledged = 0;  // the highest log position it confirmed
  std::uint64_t last_contact_ms = 0;
  std::uint64_t pending_entries = 0;  // log entries after `acknowledged`: what it still misses
  std::uint64_t pending_bytes = 0;
};

struct NodeStatus {
  persist::Status store;  // its `peers` are reported as `peers` below, with their lag
  std::vector<persist::ConflictInfo> conflicts;
  std::vector<PeerLag> peers;
  // File sizes, when known (a store at rest): the database and its write-ahead log.
  std::optional<std::uint64_t> file_bytes;
  std::optional<std::uint64_t> wal_bytes;

  bool running = false;  // a running node: the fields below are set
  std::vector<Address> listening;
  std::vector<SessionReport> sessions;
  std::uint64_t sessions_closed = 0;
  // How often each named limit (limits.hpp, sync_settings.hpp) was breached by a peer or a
  // stranger since the node started: {"max_pending_per_address": 5912, ...}.
  std::map<std::string, std::uint64_t> limits_breached;
};

// The store's part of a status: identity, counts, conflicts and each known peer's lag.
NodeStatus read_status(persist::Store& store);

// As JSON: {"replica", "label", "file", "incarnation", "created", "durability", "documents",
// "removed_documents", "log_entries", "log_bytes", "last_seq", "truncated_through",
// "pending_deltas", "hints", "conflict_count", "conflicts": [{"doc", "type", "updated"}],
// "peers": [{"replica", "acknowledged", "last_contact", "pending_entries", "pending_bytes"}]},
// "file_bytes" and "wal_bytes" when known, and for a running node "listening" (addresses),
// "sessions" (one object per connection), "sessions_closed" and "limits_breached" (an object of
// counts by limit name). Times are ISO 8601 UTC.
std::string to_json(const NodeStatus& status);

// The time format of every JSON the library and the command line print:
// "2026-11-29T01:57:21.022Z".
std::string iso_time(std::uint64_t ms_since_epoch);

}  // namespace crdt::sync
