#include "json_records.hpp"

namespace crdt::cli {

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
    out["updated"] = sync::iso_time(info.updated_ms);
  }
  return out;
}

Json log_entry_json(const persist::LogEntry& entry) {
  return {{"seq", entry.seq},
          {"doc", entry.document},
          {"type", entry.type},
          {"origin", entry.origin.to_string()},
          {"bytes", entry.delta.size()},
          {"time", sync::iso_time(entry.created_ms)}};
}

}  // namespace crdt::cli
