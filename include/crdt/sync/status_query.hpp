// query_status: ask a running node for its metrics (what `crdt status --node` prints).
//
// Connects as an observer: it authenticates like any peer (so a node's metrics are not open to
// whoever can reach its port), neither sends nor receives documents, and disconnects once the
// answer arrived. Returns the node's JSON, or throws std::runtime_error with the reason (refused,
// unreachable, timed out).
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "crdt/sync/address.hpp"
#include "crdt/sync/bytes.hpp"

namespace crdt::sync {

std::string query_status(const Address& node, const std::optional<Bytes>& secret,
                         std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace crdt::sync
