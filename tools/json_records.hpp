// The store's records (document descriptions, log entries, causal contexts) as JSON; the status
// is sync::to_json (crdt/sync/node_status.hpp), shared with running nodes.
// Times are ISO 8601 UTC strings with milliseconds ("2024-05-01T12:00:00.123Z"); replica ids are
// the 16 hex digits ReplicaId::to_string gives, the form the commands accept back.
#pragma once

#include <cstdint>
#include <string>

#include <crdt/causal/version_vector.hpp>
#include <crdt/persist/records.hpp>
#include <crdt/sync/node_status.hpp>

#include "json.hpp"

namespace crdt::cli {

// {replica: [[lo, hi], ...]}: the dots of the context as ranges.
Json context_json(const VersionVector& context);

// id and type; with `local`, also this replica's version counter and last write time.
Json info_json(const persist::DocumentInfo& info, bool local);

// {seq, doc, type, origin, bytes, time}
Json log_entry_json(const persist::LogEntry& entry);

}  // namespace crdt::cli
