// The handshake: what two nodes exchange before anything else, as an I/O-free state machine per
// side. Feed it the frames the peer sent, send the frames it returns.
//
//   initiator                                  acceptor
//   start()        -- hello(I) ------------->
//                  <------------- hello(A) --  (followed by refuse when it cannot go on)
//                  -- auth(proof I) -------->  checks proof I first
//                  <---------- auth_ok(proof A)  established
//   checks proof A, established
//
//   hello   := role u8 (0 initiator, 1 acceptor) | oldest varint | newest varint
//              | node_id 8 bytes LE (a ReplicaId, never 0) | nonce 32 bytes | auth u8 (0 none,
//              1 shared secret) | anything after this is ignored (room for later versions)
//   auth    := proof 32 bytes          auth_ok := proof 32 bytes
//   refuse  := code u8 (RefuseCode) | reason (varint length, at most 1024 bytes of text)
//   proof   := HMAC-SHA256(secret, "crdt auth v1" | prover role u8 | nonce I | nonce A
//              | node_id I (8 LE) | node_id A (8 LE) | version u32 LE | oldest I, newest I,
//              oldest A, newest A (u32 LE each) | auth u8)
//   keys    := HKDF-SHA256(secret, salt = nonce I | nonce A,
//                          info = "crdt session v1" | node_id I (8 LE) | node_id A (8 LE), 64)
//              first 32 bytes: the key of frames from initiator to acceptor, last 32: the other way
//
// Guarantees: the version is the highest both ranges contain (negotiate()), and the handshake is
// refused, on both sides with a reason a log can print, only when there is none. The secret never
// crosses the wire. The acceptor reveals its proof only after checking the initiator's, and the
// prover's role is inside the proof, so a proof reflected back to its sender is refused; both
// hellos are inside the proof, so a version downgrade by a man in the middle is refused too.
// Fresh nonces on both sides make every session's keys different.
//
// No secret on both sides is accepted, for tests and local use only: the proofs and keys are then
// computed under a fixed public string, so frames still get sequence-checked MACs but nothing is
// authenticated. A side that has a secret refuses a side that has none, and the other way round.
//
// Using it with frames: the handshake kinds are sent and received without a MAC. When a call leaves
// the state established, send the frames it returned (without a MAC), then install keys().send in
// the FrameWriter and keys().receive in the FrameReader before reading the next frame. When a call
// leaves the state refused, send the frames it returned, then close.
//
// Not thread safe: one per connection.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crdt/causal/replica_id.hpp"
#include "crdt/sync/bytes.hpp"
#include "crypto.hpp"
#include "frame.hpp"
#include "protocol_version.hpp"

namespace crdt::sync {

namespace detail {
struct Hello;
}  // namespace detail

enum class Role : std::uint8_t { initiator = 0, acceptor = 1 };

inline constexpr std::size_t kNonceSize = 32;
using Nonce = std::array<std::uint8_t, kNonceSize>;

struct HandshakeConfig {
  ReplicaId node_id;  // must be valid (non-zero)
  VersionRange versions = supported_versions();
  // The pre-shared secret; nothing means "no secret" (tests and local use only, see above).
  std::optional<Bytes> secret;
};

enum class HandshakeState { in_progress, established, refused };

// Why a handshake was refused; sent in `refuse` frames.
enum class RefuseCode : std::uint8_t {
  protocol_error = 1,      // a malformed or unexpected handshake message
  no_common_version = 2,   // the version ranges do not overlap
  auth_mode_mismatch = 3,  // one side has a secret, the other has none
  auth_failed = 4,         // a proof did not match: a different secret, or an attack
  same_node = 5,           // the peer announced this node's own id or nonce
};

std::string_view to_string(RefuseCode code);

// One key per direction.
struct SessionKeys {
  Key send;
  Key receive;
};

class Handshake {
 public:
  // Draws a fresh nonce. Throws std::invalid_argument on an invalid node id, an inverted version
  // range or an empty secret.
  Handshake(Role role, HandshakeConfig config);
  // With a given nonce, for deterministic tests. Never reuse a nonce with the same secret.
  Handshake(Role role, HandshakeConfig config, const Nonce& nonce);

  // The frames to send first: the initiator's hello; nothing for the acceptor, which speaks once
  // it heard the initiator. Call once, before handle().
  [[nodiscard]] std::vector<Frame> start();

  // Handles one frame from the peer and returns the frames to send, in order. Frames received
  // after the state left in_progress are ignored (nothing is returned).
  [[nodiscard]] std::vector<Frame> handle(const Frame& frame);

  Role role() const { return role_; }
  HandshakeState state() const { return state_; }
  bool established() const { return state_ == HandshakeState::established; }
  bool refused() const { return state_ == HandshakeState::refused; }

  // Once refused: why, as a sentence for the log, and the code (also when the peer refused).
  const std::string& refusal_reason() const { return reason_; }
  std::optional<RefuseCode> refusal_code() const { return code_; }
  // Whether the peer sent the refusal (its reason is quoted, cleaned of control characters).
  bool refused_by_peer() const { return refused_by_peer_; }

  // Once established. version() and peer_id() throw std::logic_error before that.
  std::uint32_t version() const;
  ReplicaId peer_id() const;
  const SessionKeys& keys() const;
  const Nonce& nonce() const { return nonce_; }

 private:
  enum class Step { start, await_hello, await_auth, await_auth_ok, done };

  std::vector<Frame> on_hello(const Frame& frame);
  // Checks the peer's proof (made in role `prover`) and, when it holds, establishes the session;
  // else returns the refusal to send.
  std::optional<std::vector<Frame>> check_proof(const Frame& frame, Role prover);
  std::vector<Frame> on_auth(const Frame& frame);
  std::vector<Frame> on_auth_ok(const Frame& frame);
  std::vector<Frame> on_refuse(const Frame& frame);
  // Enters refused and returns the refuse frame to send (after `before`, if any).
  std::vector<Frame> refuse(RefuseCode code, std::string reason, std::vector<Frame> before = {});
  detail::Hello own_hello_fields() const;
  detail::Hello peer_hello_fields() const;
  Frame own_hello() const;
  // The proof `prover` must send in this session, and the keys of this side.
  Digest proof(Role prover) const;
  SessionKeys derive_keys() const;
  void require_established() const;

  Role role_;
  HandshakeConfig config_;
  Nonce nonce_;
  Step step_ = Step::start;
  HandshakeState state_ = HandshakeState::in_progress;
  std::string reason_;
  std::optional<RefuseCode> code_;
  bool refused_by_peer_ = false;

  // Filled once the peer's hello was accepted.
  VersionRange peer_versions_;
  Nonce peer_nonce_{};
  ReplicaId peer_id_;
  std::uint32_t version_ = 0;
  std::optional<SessionKeys> keys_;
};

}  // namespace crdt::sync
