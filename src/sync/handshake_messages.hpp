// The handshake's payloads, proof and key schedule (handshake.hpp gives the grammar). Internal to
// crdt_sync; tests include it to forge messages an attacker could send.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "crdt/causal/replica_id.hpp"
#include "crdt/sync/bytes.hpp"
#include "crypto.hpp"
#include "handshake.hpp"
#include "payload_codec.hpp"
#include "protocol_version.hpp"

namespace crdt::sync::detail {

enum class AuthMode : std::uint8_t { none = 0, shared_secret = 1 };

inline constexpr std::size_t kMaxReasonSize = 1024;

struct Hello {
  Role role = Role::initiator;
  VersionRange versions;
  ReplicaId node_id;
  Nonce nonce{};
  AuthMode auth = AuthMode::none;
};

Bytes encode_hello(const Hello& hello);
[[nodiscard]] std::optional<PayloadError> decode_hello(ByteView payload, Hello& hello);

struct Refusal {
  std::uint8_t code = 0;
  std::string reason;
};

Bytes encode_refuse(const Refusal& refusal);
[[nodiscard]] std::optional<PayloadError> decode_refuse(ByteView payload, Refusal& refusal);

// The key proofs and session keys are computed under: the secret, or a fixed public string when
// neither side has one.
ByteView effective_secret(const std::optional<Bytes>& secret);

// Everything both sides agreed on, in the fixed order (initiator first).
struct Transcript {
  const Hello& initiator;
  const Hello& acceptor;
  std::uint32_t version = 0;
};

Digest handshake_proof(ByteView secret, Role prover, const Transcript& transcript);
SessionKeys derive_session_keys(ByteView secret, const Transcript& transcript, Role self);

}  // namespace crdt::sync::detail
