#include "handshake_messages.hpp"

#include <array>

namespace crdt::sync::detail {
namespace {

constexpr std::string_view kNoSecret = "crdt: no shared secret (tests and local use only)";
constexpr std::string_view kProofLabel = "crdt auth v1";
constexpr std::string_view kSessionLabel = "crdt session v1";

void put_u32(Bytes& out, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}

void put_u64(Bytes& out, std::uint64_t value) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}

}  // namespace

Bytes encode_hello(const Hello& hello) {
  return write_payload([&](PayloadWriter& out) {
    out.write_byte(static_cast<std::uint8_t>(hello.role));
    out.write_varint(hello.versions.oldest);
    out.write_varint(hello.versions.newest);
    out.write_fixed(hello.node_id.value());
    out.save_binary(hello.nonce.data(), hello.nonce.size());
    out.write_byte(static_cast<std::uint8_t>(hello.auth));
  });
}

std::optional<PayloadError> decode_hello(ByteView payload, Hello& hello) {
  std::size_t consumed = 0;
  // A later version may append fields to hello; version 1 reads its own and ignores the rest.
  return read_payload_prefix(
      payload,
      [&](PayloadReader& in) {
        const std::uint8_t role = in.read_byte();
        if (role > 1) in.fail(serialization::DecodeError::malformed, "unknown role");
        hello.role = static_cast<Role>(role);
        in >> hello.versions.oldest >> hello.versions.newest;
        hello.node_id = ReplicaId(in.read_fixed<std::uint64_t>());
        if (!hello.node_id.valid()) in.fail(serialization::DecodeError::malformed, "node id 0");
        in.load_binary(hello.nonce.data(), hello.nonce.size());
        const std::uint8_t auth = in.read_byte();
        if (auth > 1) in.fail(serialization::DecodeError::malformed, "unknown auth mode");
        hello.auth = static_cast<AuthMode>(auth);
      },
      consumed);
}

Bytes encode_refuse(const Refusal& refusal) {
  return write_payload([&](PayloadWriter& out) {
    out.write_byte(refusal.code);
    const std::size_t size = std::min(refusal.reason.size(), kMaxReasonSize);
    write_bytes(out, as_bytes(std::string_view(refusal.reason).substr(0, size)));
  });
}

std::optional<PayloadError> decode_refuse(ByteView payload, Refusal& refusal) {
  return read_payload(payload, [&](PayloadReader& in) {
    refusal.code = in.read_byte();
    refusal.reason = read_string(in, kMaxReasonSize);
  });
}

ByteView effective_secret(const std::optional<Bytes>& secret) {
  return secret.has_value() ? ByteView(*secret) : as_bytes(kNoSecret);
}

Digest handshake_proof(ByteView secret, Role prover, const Transcript& transcript) {
  const Hello& i = transcript.initiator;
  const Hello& a = transcript.acceptor;
  Bytes fields;
  fields.reserve(1 + 2 * kNonceSize + 16 + 4 + 16 + 1);
  fields.push_back(static_cast<std::uint8_t>(prover));
  fields.insert(fields.end(), i.nonce.begin(), i.nonce.end());
  fields.insert(fields.end(), a.nonce.begin(), a.nonce.end());
  put_u64(fields, i.node_id.value());
  put_u64(fields, a.node_id.value());
  put_u32(fields, transcript.version);
  put_u32(fields, i.versions.oldest);
  put_u32(fields, i.versions.newest);
  put_u32(fields, a.versions.oldest);
  put_u32(fields, a.versions.newest);
  // Both sides only get here with equal auth modes; the initiator's stands for both.
  fields.push_back(static_cast<std::uint8_t>(i.auth));
  return hmac_sha256(secret, {as_bytes(kProofLabel), fields});
}

SessionKeys derive_session_keys(ByteView secret, const Transcript& transcript, Role self) {
  const Hello& i = transcript.initiator;
  const Hello& a = transcript.acceptor;
  Bytes salt(i.nonce.begin(), i.nonce.end());
  salt.insert(salt.end(), a.nonce.begin(), a.nonce.end());
  Bytes info(kSessionLabel.begin(), kSessionLabel.end());
  put_u64(info, i.node_id.value());
  put_u64(info, a.node_id.value());
  const Bytes material = hkdf_sha256(secret, salt, info, 2 * kKeySize);
  Key initiator_to_acceptor{};
  Key acceptor_to_initiator{};
  std::copy_n(material.begin(), kKeySize, initiator_to_acceptor.begin());
  std::copy_n(material.begin() + kKeySize, kKeySize, acceptor_to_initiator.begin());
  if (self == Role::initiator) return SessionKeys{initiator_to_acceptor, acceptor_to_initiator};
  return SessionKeys{acceptor_to_initiator, initiator_to_acceptor};
}

}  // namespace crdt::sync::detail
