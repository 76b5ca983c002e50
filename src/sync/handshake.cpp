#include "handshake.hpp"

#include <stdexcept>
#include <utility>

#include "handshake_messages.hpp"

namespace crdt::sync {
namespace {

std::string range_text(const VersionRange& range) {
  return std::to_string(range.oldest) + ".." + std::to_string(range.newest);
}

std::string_view role_text(Role role) { return role == Role::initiator ? "initiator" : "acceptor"; }

Role other(Role role) { return role == Role::initiator ? Role::acceptor : Role::initiator; }

// A peer's reason ends up in our logs: keep it to printable ASCII so it cannot forge log lines.
std::string printable(std::string text) {
  for (char& c : text) {
    if (c < 0x20 || c > 0x7E) c = '?';
  }
  return text;
}

detail::AuthMode auth_mode(const std::optional<Bytes>& secret) {
  return secret.has_value() ? detail::AuthMode::shared_secret : detail::AuthMode::none;
}

Frame make_frame(MessageKind kind, ByteView payload) {
  return Frame{kind, Bytes(payload.begin(), payload.end())};
}

}  // namespace

std::string_view to_string(RefuseCode code) {
  switch (code) {
    case RefuseCode::protocol_error:
      return "protocol_error";
    case RefuseCode::no_common_version:
      return "no_common_version";
    case RefuseCode::auth_mode_mismatch:
      return "auth_mode_mismatch";
    case RefuseCode::auth_failed:
      return "auth_failed";
    case RefuseCode::same_node:
      return "same_node";
  }
  return "unknown";
}

Handshake::Handshake(Role role, HandshakeConfig config)
    : Handshake(role, std::move(config), [] {
        Nonce nonce{};
        random_bytes(nonce);
        return nonce;
      }()) {}

Handshake::Handshake(Role role, HandshakeConfig config, const Nonce& nonce)
    : role_(role), config_(std::move(config)), nonce_(nonce) {
  if (!config_.node_id.valid()) {
    throw std::invalid_argument("crdt::sync::Handshake: the node id must not be 0");
  }
  if (config_.versions.oldest > config_.versions.newest) {
    throw std::invalid_argument("crdt::sync::Handshake: inverted version range");
  }
  if (config_.secret.has_value() && config_.secret->empty()) {
    throw std::invalid_argument("crdt::sync::Handshake: empty secret (use none instead)");
  }
}

detail::Hello Handshake::own_hello_fields() const {
  detail::Hello hello;
  hello.role = role_;
  hello.versions = config_.versions;
  hello.node_id = config_.node_id;
  hello.nonce = nonce_;
  hello.auth = auth_mode(config_.secret);
  return hello;
}

detail::Hello Handshake::peer_hello_fields() const {
  detail::Hello hello;
  hello.role = other(role_);
  hello.versions = peer_versions_;
  hello.node_id = peer_id_;
  hello.nonce = peer_nonce_;
  hello.auth = auth_mode(config_.secret);
  return hello;
}

Frame Handshake::own_hello() const {
  return make_frame(MessageKind::hello, detail::encode_hello(own_hello_fields()));
}

Digest Handshake::proof(Role prover) const {
  const detail::Hello own = own_hello_fields();
  const detail::Hello peer = peer_hello_fields();
  const bool initiator = role_ == Role::initiator;
  const detail::Transcript transcript{initiator ? own : peer, initiator ? peer : own, version_};
  return detail::handshake_proof(detail::effective_secret(config_.secret), prover, transcript);
}

SessionKeys Handshake::derive_keys() const {
  const detail::Hello own = own_hello_fields();
  const detail::Hello peer = peer_hello_fields();
  const bool initiator = role_ == Role::initiator;
  const detail::Transcript transcript{initiator ? own : peer, initiator ? peer : own, version_};
  return detail::derive_session_keys(detail::effective_secret(config_.secret), transcript, role_);
}

std::vector<Frame> Handshake::start() {
  if (step_ != Step::start) throw std::logic_error("crdt::sync::Handshake: started twice");
  step_ = Step::await_hello;
  if (role_ == Role::initiator) return {own_hello()};
  return {};
}

std::vector<Frame> Handshake::handle(const Frame& frame) {
  if (state_ != HandshakeState::in_progress) return {};
  if (step_ == Step::start) {
    if (role_ == Role::initiator) {
      throw std::logic_error("crdt::sync::Handshake: the initiator must call start() first");
    }
    step_ = Step::await_hello;
  }
  switch (frame.kind) {
    case MessageKind::refuse:
      return on_refuse(frame);
    case MessageKind::hello:
      if (step_ == Step::await_hello) return on_hello(frame);
      break;
    case MessageKind::auth:
      if (step_ == Step::await_auth) return on_auth(frame);
      break;
    case MessageKind::auth_ok:
      if (step_ == Step::await_auth_ok) return on_auth_ok(frame);
      break;
    default:
      break;
  }
  return refuse(RefuseCode::protocol_error,
                "unexpected " + std::string(to_string(frame.kind)) + " during the handshake");
}

std::vector<Frame> Handshake::on_hello(const Frame& frame) {
  detail::Hello hello;
  if (const auto error = detail::decode_hello(frame.payload, hello)) {
    return refuse(RefuseCode::protocol_error, "malformed hello: " + error->message);
  }
  if (hello.role == role_) {
    return refuse(RefuseCode::protocol_error,
                  "the peer is also the " + std::string(role_text(role_)));
  }
  if (hello.node_id == config_.node_id) {
    return refuse(
        RefuseCode::same_node,
        "the peer has this node's id " + hello.node_id.to_string() + " (a connection to itself?)");
  }
  if (constant_time_equal(hello.nonce, nonce_)) {
    return refuse(RefuseCode::same_node, "the peer sent this node's own nonce (a reflected hello)");
  }
  // The acceptor still sends its hello before refusing, so the initiator can state the reason in
  // its own words, from the same facts.
  std::vector<Frame> before;
  if (role_ == Role::acceptor) before.push_back(own_hello());

  const std::optional<std::uint32_t> version = negotiate(config_.versions, hello.versions);
  if (!version) {
    return refuse(RefuseCode::no_common_version,
                  "no common protocol version: this node speaks " + range_text(config_.versions) +
                      ", the peer " + hello.node_id.to_string() + " speaks " +
                      range_text(hello.versions),
                  std::move(before));
  }
  if (hello.auth != auth_mode(config_.secret)) {
    return refuse(RefuseCode::auth_mode_mismatch,
                  config_.secret.has_value()
                      ? "the peer " + hello.node_id.to_string() +
                            " has no shared secret configured, and this node requires one"
                      : "the peer " + hello.node_id.to_string() +
                            " requires a shared secret, and this node has none configured",
                  std::move(before));
  }

  peer_versions_ = hello.versions;
  peer_nonce_ = hello.nonce;
  peer_id_ = hello.node_id;
  version_ = *version;
  if (role_ == Role::acceptor) {
    step_ = Step::await_auth;
    return before;
  }
  step_ = Step::await_auth_ok;
  const Digest mine = proof(Role::initiator);
  return {make_frame(MessageKind::auth, mine)};
}

std::optional<std::vector<Frame>> Handshake::check_proof(const Frame& frame, Role prover) {
  const std::string what(to_string(frame.kind));
  if (frame.payload.size() != kDigestSize) {
    return refuse(RefuseCode::protocol_error, "malformed " + what + ": " +
                                                  std::to_string(frame.payload.size()) +
                                                  " bytes instead of a 32-byte proof");
  }
  if (!constant_time_equal(frame.payload, proof(prover))) {
    return refuse(RefuseCode::auth_failed, "authentication failed: the proof of " +
                                               peer_id_.to_string() +
                                               " does not match this node's secret" +
                                               (config_.secret ? " (a different secret?)" : ""));
  }
  keys_ = derive_keys();
  state_ = HandshakeState::established;
  step_ = Step::done;
  return std::nullopt;
}

std::vector<Frame> Handshake::on_auth(const Frame& frame) {
  if (auto refused = check_proof(frame, Role::initiator)) return std::move(*refused);
  // Only now, with the initiator's knowledge of the secret checked, does the acceptor's proof
  // leave.
  return {make_frame(MessageKind::auth_ok, proof(Role::acceptor))};
}

std::vector<Frame> Handshake::on_auth_ok(const Frame& frame) {
  if (auto refused = check_proof(frame, Role::acceptor)) return std::move(*refused);
  return {};
}

std::vector<Frame> Handshake::on_refuse(const Frame& frame) {
  state_ = HandshakeState::refused;
  step_ = Step::done;
  refused_by_peer_ = true;
  detail::Refusal refusal;
  if (const auto error = detail::decode_refuse(frame.payload, refusal)) {
    code_ = RefuseCode::protocol_error;
    reason_ = "refused by the peer with a malformed refuse message (" + error->message + ")";
    return {};
  }
  const bool known = refusal.code >= static_cast<std::uint8_t>(RefuseCode::protocol_error) &&
                     refusal.code <= static_cast<std::uint8_t>(RefuseCode::same_node);
  code_ = known ? static_cast<RefuseCode>(refusal.code) : RefuseCode::protocol_error;
  reason_ = "refused by the peer (" + std::string(to_string(*code_)) +
            "): " + printable(std::move(refusal.reason));
  return {};
}

std::vector<Frame> Handshake::refuse(RefuseCode code, std::string reason,
                                     std::vector<Frame> before) {
  state_ = HandshakeState::refused;
  step_ = Step::done;
  code_ = code;
  reason_ = std::move(reason);
  before.push_back(make_frame(MessageKind::refuse,
                              detail::encode_refuse({static_cast<std::uint8_t>(code), reason_})));
  return before;
}

void Handshake::require_established() const {
  if (state_ != HandshakeState::established) {
    throw std::logic_error("crdt::sync::Handshake: not established");
  }
}

std::uint32_t Handshake::version() const {
  require_established();
  return version_;
}

ReplicaId Handshake::peer_id() const {
  require_established();
  return peer_id_;
}

const SessionKeys& Handshake::keys() const {
  require_established();
  return *keys_;
}

}  // namespace crdt::sync
