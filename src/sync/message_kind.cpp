#include "message_kind.hpp"

namespace crdt::sync {

std::optional<MessageKind> message_kind_from_byte(std::uint8_t byte) {
  for (MessageKind kind : kAllMessageKinds) {
    if (static_cast<std::uint8_t>(kind) == byte) return kind;
  }
  return std::nullopt;
}

bool is_handshake_kind(MessageKind kind) {
  switch (kind) {
    case MessageKind::hello:
    case MessageKind::auth:
    case MessageKind::auth_ok:
    case MessageKind::refuse:
      return true;
    default:
      return false;
  }
}

std::string_view to_string(MessageKind kind) {
  switch (kind) {
    case MessageKind::hello:
      return "hello";
    case MessageKind::auth:
      return "auth";
    case MessageKind::auth_ok:
      return "auth_ok";
    case MessageKind::refuse:
      return "refuse";
    case MessageKind::ping:
      return "ping";
    case MessageKind::pong:
      return "pong";
    case MessageKind::status:
      return "status";
    case MessageKind::sync_start:
      return "sync_start";
    case MessageKind::status_request:
      return "status_request";
    case MessageKind::caught_up:
      return "caught_up";
    case MessageKind::deltas:
      return "deltas";
    case MessageKind::ack:
      return "ack";
    case MessageKind::digest:
      return "digest";
    case MessageKind::digest_reply:
      return "digest_reply";
    case MessageKind::delta_request:
      return "delta_request";
    case MessageKind::chunk:
      return "chunk";
  }
  return "unknown";
}

}  // namespace crdt::sync
