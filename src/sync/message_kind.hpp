// The kinds of message a frame can carry: the one byte after the length prefix. The numbers are
// part of the wire format and never change meaning; a new kind gets a new number and is only sent
// to a peer whose negotiated protocol version knows it. A reader refuses a byte that names no kind,
// so a peer speaking something else is noticed at its first frame.
//
// hello, auth, auth_ok and refuse make up the handshake (handshake.hpp) and are never MACed; every
// other kind is only valid after the handshake and always travels under the session MAC.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace crdt::sync {

enum class MessageKind : std::uint8_t {
  hello = 0x01,
  auth = 0x02,
  auth_ok = 0x03,
  refuse = 0x04,

  ping = 0x10,
  pong = 0x11,
  status = 0x12,          // a node's metrics (JSON), the answer to status_request
  sync_start = 0x13,      // first message of a session: what this side is and wants
  status_request = 0x14,  // "send me your metrics" (crdt status --node)

  deltas = 0x20,
  ack = 0x21,
  digest = 0x22,
  digest_reply = 0x23,
  delta_request = 0x24,
  caught_up = 0x25,  // the sender has sent everything it held when the session began

  chunk = 0x30,
};

// Every kind, for tests and tools that must cover them all.
inline constexpr MessageKind kAllMessageKinds[] = {
    MessageKind::hello,        MessageKind::auth,          MessageKind::auth_ok,
    MessageKind::refuse,       MessageKind::ping,          MessageKind::pong,
    MessageKind::status,       MessageKind::sync_start,    MessageKind::status_request,
    MessageKind::deltas,       MessageKind::ack,           MessageKind::digest,
    MessageKind::digest_reply, MessageKind::delta_request, MessageKind::caught_up,
    MessageKind::chunk,
};

// The kind a byte names, or nothing when it names none.
std::optional<MessageKind> message_kind_from_byte(std::uint8_t byte);

// Whether the kind belongs to the handshake (sent before a session key exists).
bool is_handshake_kind(MessageKind kind);

// The kind's name in logs ("delta_request"); "unknown" for a value outside the enum.
std::string_view to_string(MessageKind kind);

}  // namespace crdt::sync
