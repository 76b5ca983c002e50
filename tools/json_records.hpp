// The store's records (document descriptions, log entries, status, causal contexts) as JSON.
// Times are ISO 8601 UTC strings with milliseconds ("2024-05-01T12:00:00.123Z"); replica ids are
// the 16 hex digits ReplicaId::to_string gives, the form the commands accept back.
#pragma once

#include <cstdint>
#include <string>

#include <crdt/causal/version_vector.hpp>
#include <crdt/persist/records.hpp>

#include "json.hpp"

namespace crdt::cli {

std::string iso_time(std::uint64_t ms_since_epoch);

// {replica: [[lo, hi], ...]}: the dots of the context as ranges.
Json context_json(const VersionVector& context);

// id and type; with `local`, also this replica's version counter and last write time.
Json info_json(const persist::DocumentInfo& info, bool local);

// {seq, doc, type, origin, bytes, time}
Json log_entry_json(const persist::LogEntry& entry);

// {replica, label, incarnation, file, created, durability, documents, ..., peers}
Json status_json(const persist::Status& status);

// {doc, type, updated}
Json conflict_json(const persist::ConflictInfo& conflict);

}  // namespace crdt::cli
