#include "crdt/sync/node_status.hpp"

#include <cstdio>
#include <ctime>

#include <nlohmann/json.hpp>

#include "crdt/persist/store.hpp"

namespace crdt::sync {

namespace {

using Json = nlohmann::json;

Json session_json(const SessionReport& info) {
  return {{"peer", info.established ? info.peer.to_string() : std::string()},
          {"label", info.label},
          {"remote", info.remote},
          {"outgoing", info.outgoing},
          {"established", info.established},
          {"state", std::string(to_string(info.progress.state))},
          {"acknowledged", info.progress.acknowledged},
          {"sent_to", info.progress.sent_to},
          {"pending_entries", info.pending_entries},
          {"pending_bytes", info.pending_bytes},
          {"messages_in_flight", info.progress.messages_in_flight},
          {"ms_since_contact", info.ms_since_contact},
          {"bytes_sent", info.link.bytes_sent},
          {"bytes_received", info.link.bytes_received},
          {"frames_sent", info.link.frames_sent},
          {"frames_received", info.link.frames_received},
          {"items_sent", info.progress.items_sent},
          {"items_received", info.progress.items_received},
          {"caught_up_sent", info.progress.caught_up_sent},
          {"caught_up_received", info.progress.caught_up_received}};
}

}  // namespace

std::string iso_time(std::uint64_t ms_since_epoch) {
  const auto seconds = static_cast<std::time_t>(ms_since_epoch / 1000);
  std::tm utc{};
  if (gmtime_r(&seconds, &utc) == nullptr) return std::to_string(ms_since_epoch);
  char text[40];
  const std::size_t length = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  char millis[8];
  std::snprintf(millis, sizeof millis, ".%03uZ", static_cast<unsigned>(ms_since_epoch % 1000));
  return std::string(text, length) + millis;
}

NodeStatus read_status(persist::Store& store) {
  NodeStatus out;
  out.store = store.status();
  out.conflicts = store.conflicts();
  for (const auto& peer : out.store.peers) {
    const persist::LogSpan span = store.replication().log_span(peer.acknowledged);
    out.peers.push_back(
        PeerLag{peer.id, peer.acknowledged, peer.last_contact_ms, span.entries, span.bytes});
  }
  return out;
}

std::string to_json(const NodeStatus& status) {
  const persist::Status& store = status.store;
  Json conflicts = Json::array();
  for (const auto& conflict : status.conflicts) {
    conflicts.push_back({{"doc", conflict.id},
                         {"type", conflict.type},
                         {"updated", iso_time(conflict.updated_ms)}});
  }
  Json peers = Json::array();
  for (const PeerLag& peer : status.peers) {
    peers.push_back({{"replica", peer.peer.to_string()},
                     {"acknowledged", peer.acknowledged},
                     {"last_contact", iso_time(peer.last_contact_ms)},
                     {"pending_entries", peer.pending_entries},
                     {"pending_bytes", peer.pending_bytes}});
  }
  Json out = {
      {"replica", store.replica.to_string()},
      {"label", store.label},
      {"incarnation", store.incarnation},
      {"file", store.file},
      {"created", iso_time(store.created_ms)},
      {"durability", store.durability == persist::Durability::full ? "full" : "normal"},
      {"documents", store.documents},
      {"removed_documents", store.removed_documents},
      {"log_entries", store.log_entries},
      {"log_bytes", store.log_bytes},
      {"last_seq", store.last_seq},
      {"truncated_through", store.truncated_through},
      {"pending_deltas", store.pending_deltas},
      {"hints", store.hints},
      {"conflict_count", store.conflicts},
      {"conflicts", std::move(conflicts)},
      {"peers", std::move(peers)},
  };
  if (status.file_bytes) out["file_bytes"] = *status.file_bytes;
  if (status.wal_bytes) out["wal_bytes"] = *status.wal_bytes;
  if (status.running) {
    Json listening = Json::array();
    for (const Address& address : status.listening) listening.push_back(address.str());
    Json sessions = Json::array();
    for (const SessionReport& session : status.sessions) sessions.push_back(session_json(session));
    out["listening"] = std::move(listening);
    out["sessions"] = std::move(sessions);
    out["sessions_closed"] = status.sessions_closed;
    auto breached = Json::object();
    for (const auto& [limit, count] : status.limits_breached) breached[limit] = count;
    out["limits_breached"] = breached;
  }
  return out.dump();
}

}  // namespace crdt::sync
