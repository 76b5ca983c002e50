#include "json_records.hpp"

#include <cstdio>
#include <ctime>

namespace crdt::cli {

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

Json context_json(const VersionVector& context) {
  Json out = Json::object();
  for (const auto& [replica, ranges] : context.entries()) {
    Json list = Json::array();
    for (const auto& range : ranges.ranges()) list.push_back({range.lo, range.hi});
    out[replica.to_string()] = std::move(list);
  }
  return out;
}

Json info_json(const persist::DocumentInfo& info, bool local) {
  Json out = {{"id", info.id}, {"type", info.type}};
  if (local) {
    out["version"] = info.version;
    out["updated"] = iso_time(info.updated_ms);
  }
  return out;
}

Json log_entry_json(const persist::LogEntry& entry) {
  return {{"seq", entry.seq},
          {"doc", entry.document},
          {"type", entry.type},
          {"origin", entry.origin.to_string()},
          {"bytes", entry.delta.size()},
          {"time", iso_time(entry.created_ms)}};
}

Json status_json(const persist::Status& status) {
  Json peers = Json::array();
  for (const auto& peer : status.peers) {
    peers.push_back({{"replica", peer.id.to_string()},
                     {"acknowledged", peer.acknowledged},
                     {"last_contact", iso_time(peer.last_contact_ms)}});
  }
  return {{"replica", status.replica.to_string()},
          {"label", status.label},
          {"incarnation", status.incarnation},
          {"file", status.file},
          {"created", iso_time(status.created_ms)},
          {"durability", status.durability == persist::Durability::full ? "full" : "normal"},
          {"documents", status.documents},
          {"removed_documents", status.removed_documents},
          {"log_entries", status.log_entries},
          {"log_bytes", status.log_bytes},
          {"last_seq", status.last_seq},
          {"truncated_through", status.truncated_through},
          {"pending_deltas", status.pending_deltas},
          {"hints", status.hints},
          {"conflict_count", status.conflicts},
          {"peers", std::move(peers)}};
}

Json conflict_json(const persist::ConflictInfo& conflict) {
  return {
      {"doc", conflict.id}, {"type", conflict.type}, {"updated", iso_time(conflict.updated_ms)}};
}

}  // namespace crdt::cli
