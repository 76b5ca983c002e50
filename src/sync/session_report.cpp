#include "crdt/sync/session_report.hpp"

namespace crdt::sync {

std::string_view to_string(OutboundState state) {
  switch (state) {
    case OutboundState::waiting:
      return "waiting";
    case OutboundState::repairing:
      return "repairing";
    case OutboundState::streaming:
      return "streaming";
    case OutboundState::idle:
      return "idle";
  }
  return "unknown";
}

}  // namespace crdt::sync
