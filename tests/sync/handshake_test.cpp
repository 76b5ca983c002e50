#include "handshake.hpp"

#include <algorithm>
#include <deque>
#include <optional>
#include <vector>

#include <catch2/catch.hpp>

#include "frame_reader.hpp"
#include "frame_writer.hpp"
#include "handshake_messages.hpp"
#include "sync_test_support.hpp"

using crdt::ReplicaId;
using crdt::sync::Bytes;
using crdt::sync::ByteView;
using crdt::sync::Frame;
using crdt::sync::Handshake;
using crdt::sync::HandshakeConfig;
using crdt::sync::HandshakeState;
using crdt::sync::MessageKind;
using crdt::sync::Nonce;
using crdt::sync::RefuseCode;
using crdt::sync::Role;
using crdt::sync::VersionRange;

namespace {

const Bytes kSecret = {'c', 'o', 'r', 'r', 'e', 'c', 't', ' ', 'h', 'o', 'r', 's', 'e'};
const Bytes kOtherSecret = {'b', 'a', 't', 't', 'e', 'r', 'y'};

HandshakeConfig config(std::uint64_t id, std::optional<Bytes> secret = kSecret,
                       VersionRange versions = {1, 1}) {
  return HandshakeConfig{ReplicaId(id), versions, std::move(secret)};
}

// Every frame that crossed the wire, in both directions.
struct Wire {
  std::vector<Frame> to_acceptor;
  std::vector<Frame> to_initiator;
};

// Delivers frames back and forth until neither side has anything left to say.
Wire exchange(Handshake& initiator, Handshake& acceptor) {
  Wire wire;
  std::deque<Frame> to_acceptor;
  std::deque<Frame> to_initiator;
  for (Frame& frame : initiator.start()) to_acceptor.push_back(std::move(frame));
  while (!to_acceptor.empty() || !to_initiator.empty()) {
    while (!to_acceptor.empty()) {
      wire.to_acceptor.push_back(to_acceptor.front());
      for (Frame& reply : acceptor.handle(to_acceptor.front())) to_initiator.push_back(reply);
      to_acceptor.pop_front();
    }
    while (!to_initiator.empty()) {
      wire.to_initiator.push_back(to_initiator.front());
      for (Frame& reply : initiator.handle(to_initiator.front())) to_acceptor.push_back(reply);
      to_initiator.pop_front();
    }
  }
  return wire;
}

bool contains(const std::vector<Frame>& frames, MessageKind kind) {
  return std::any_of(frames.begin(), frames.end(),
                     [&](const Frame& frame) { return frame.kind == kind; });
}

bool contains_bytes(ByteView haystack, ByteView needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) !=
         haystack.end();
}

}  // namespace

TEST_CASE("handshake: both sides establish the same version and matching keys",
          "[sync][handshake]") {
  Handshake initiator(Role::initiator, config(0x1111));
  Handshake acceptor(Role::acceptor, config(0x2222));
  const Wire wire = exchange(initiator, acceptor);

  REQUIRE(initiator.state() == HandshakeState::established);
  REQUIRE(acceptor.state() == HandshakeState::established);
  CHECK(initiator.version() == 1);
  CHECK(acceptor.version() == 1);
  CHECK(initiator.peer_id() == ReplicaId(0x2222));
  CHECK(acceptor.peer_id() == ReplicaId(0x1111));
  CHECK(initiator.keys().send == acceptor.keys().receive);
  CHECK(initiator.keys().receive == acceptor.keys().send);
  CHECK(initiator.keys().send != initiator.keys().receive);
  CHECK(wire.to_acceptor.size() == 2);   // hello, auth
  CHECK(wire.to_initiator.size() == 2);  // hello, auth_ok

  SECTION("the secret never crosses the wire") {
    for (const auto* frames : {&wire.to_acceptor, &wire.to_initiator}) {
      for (const Frame& frame : *frames) CHECK_FALSE(contains_bytes(frame.payload, kSecret));
    }
  }
  SECTION("another session gets other keys") {
    Handshake again_initiator(Role::initiator, config(0x1111));
    Handshake again_acceptor(Role::acceptor, config(0x2222));
    exchange(again_initiator, again_acceptor);
    REQUIRE(again_initiator.established());
    CHECK(again_initiator.keys().send != initiator.keys().send);
  }
  SECTION("frames after establishment are ignored by the handshake") {
    CHECK(acceptor.handle(Frame{MessageKind::hello, {}}).empty());
    CHECK(acceptor.established());
  }
}

TEST_CASE("handshake: partially overlapping version ranges pick the highest common version",
          "[sync][handshake][version]") {
  SECTION("initiator older") {
    Handshake initiator(Role::initiator, config(1, kSecret, {1, 3}));
    Handshake acceptor(Role::acceptor, config(2, kSecret, {2, 5}));
    exchange(initiator, acceptor);
    REQUIRE(initiator.established());
    REQUIRE(acceptor.established());
    CHECK(initiator.version() == 3);
    CHECK(acceptor.version() == 3);
  }
  SECTION("acceptor older") {
    Handshake initiator(Role::initiator, config(1, kSecret, {4, 9}));
    Handshake acceptor(Role::acceptor, config(2, kSecret, {1, 6}));
    exchange(initiator, acceptor);
    REQUIRE(initiator.established());
    CHECK(initiator.version() == 6);
    CHECK(acceptor.version() == 6);
  }
}

TEST_CASE("handshake: disjoint version ranges are refused on both sides with a reason",
          "[sync][handshake][version]") {
  Handshake initiator(Role::initiator, config(1, kSecret, {1, 2}));
  Handshake acceptor(Role::acceptor, config(2, kSecret, {3, 4}));
  const Wire wire = exchange(initiator, acceptor);
  REQUIRE(initiator.refused());
  REQUIRE(acceptor.refused());
  CHECK(initiator.refusal_code() == RefuseCode::no_common_version);
  CHECK(acceptor.refusal_code() == RefuseCode::no_common_version);
  // Both state the ranges in their own words: the initiator had the acceptor's hello first.
  CHECK_FALSE(initiator.refused_by_peer());
  CHECK(initiator.refusal_reason() ==
        "no common protocol version: this node speaks 1..2, the peer 0000000000000002 speaks "
        "3..4");
  CHECK(acceptor.refusal_reason() ==
        "no common protocol version: this node speaks 3..4, the peer 0000000000000001 speaks "
        "1..2");
  CHECK_FALSE(contains(wire.to_acceptor, MessageKind::auth));
  CHECK_THROWS_AS(initiator.version(), std::logic_error);
}

TEST_CASE("handshake: a wrong secret is refused on both sides", "[sync][handshake][auth]") {
  Handshake initiator(Role::initiator, config(1, kSecret));
  Handshake acceptor(Role::acceptor, config(2, kOtherSecret));
  const Wire wire = exchange(initiator, acceptor);
  REQUIRE(initiator.refused());
  REQUIRE(acceptor.refused());
  CHECK(acceptor.refusal_code() == RefuseCode::auth_failed);
  CHECK(initiator.refusal_code() == RefuseCode::auth_failed);
  CHECK(acceptor.refusal_reason() ==
        "authentication failed: the proof of 0000000000000001 does not match this node's "
        "secret (a different secret?)");
  CHECK(initiator.refused_by_peer());
  CHECK(initiator.refusal_reason().find("refused by the peer (auth_failed)") == 0);
  // The acceptor never revealed a proof of its own.
  CHECK_FALSE(contains(wire.to_initiator, MessageKind::auth_ok));

  SECTION("and the other way round") {
    Handshake initiator2(Role::initiator, config(1, kOtherSecret));
    Handshake acceptor2(Role::acceptor, config(2, kSecret));
    exchange(initiator2, acceptor2);
    CHECK(initiator2.refusal_code() == RefuseCode::auth_failed);
    CHECK(acceptor2.refusal_code() == RefuseCode::auth_failed);
  }
}

TEST_CASE("handshake: a secret on one side only is refused on both sides",
          "[sync][handshake][auth]") {
  const bool initiator_has_secret = GENERATE(true, false);
  Handshake initiator(
      Role::initiator,
      config(1, initiator_has_secret ? std::optional<Bytes>(kSecret) : std::nullopt));
  Handshake acceptor(
      Role::acceptor,
      config(2, initiator_has_secret ? std::nullopt : std::optional<Bytes>(kSecret)));
  exchange(initiator, acceptor);
  REQUIRE(initiator.refused());
  REQUIRE(acceptor.refused());
  CHECK(initiator.refusal_code() == RefuseCode::auth_mode_mismatch);
  CHECK(acceptor.refusal_code() == RefuseCode::auth_mode_mismatch);
  const Handshake& with_secret = initiator_has_secret ? initiator : acceptor;
  CHECK(with_secret.refusal_reason().find("has no shared secret configured, and this node "
                                          "requires one") != std::string::npos);
}

TEST_CASE("handshake: no secret on both sides works, for tests and local use",
          "[sync][handshake][auth]") {
  Handshake initiator(Role::initiator, config(1, std::nullopt));
  Handshake acceptor(Role::acceptor, config(2, std::nullopt));
  exchange(initiator, acceptor);
  REQUIRE(initiator.established());
  REQUIRE(acceptor.established());
  CHECK(initiator.keys().send == acceptor.keys().receive);
}

TEST_CASE("handshake: reflection is refused", "[sync][handshake][auth]") {
  SECTION("the initiator's own hello sent back to it") {
    Handshake initiator(Role::initiator, config(1));
    const std::vector<Frame> hello = initiator.start();
    CHECK(contains(initiator.handle(hello[0]), MessageKind::refuse));
    CHECK(initiator.refusal_code() == RefuseCode::protocol_error);
  }
  SECTION("a hello with the initiator's nonce, under another id and role") {
    Handshake initiator(Role::initiator, config(1));
    const std::vector<Frame> hello = initiator.start();
    crdt::sync::detail::Hello fields;
    REQUIRE_FALSE(crdt::sync::detail::decode_hello(hello[0].payload, fields).has_value());
    fields.role = Role::acceptor;
    fields.node_id = ReplicaId(99);
    static_cast<void>(
        initiator.handle(Frame{MessageKind::hello, crdt::sync::detail::encode_hello(fields)}));
    CHECK(initiator.refusal_code() == RefuseCode::same_node);
  }
  SECTION("the initiator's proof sent back to it as the acceptor's") {
    // The attacker plays an acceptor that claims to have a secret and has none.
    Handshake initiator(Role::initiator, config(1));
    static_cast<void>(initiator.start());
    crdt::sync::detail::Hello attacker;
    attacker.role = Role::acceptor;
    attacker.versions = {1, 1};
    attacker.node_id = ReplicaId(66);
    attacker.nonce.fill(0x42);
    attacker.auth = crdt::sync::detail::AuthMode::shared_secret;
    const std::vector<Frame> auth =
        initiator.handle(Frame{MessageKind::hello, crdt::sync::detail::encode_hello(attacker)});
    REQUIRE(auth.size() == 1);
    REQUIRE(auth[0].kind == MessageKind::auth);
    const std::vector<Frame> reply = initiator.handle(Frame{MessageKind::auth_ok, auth[0].payload});
    CHECK(contains(reply, MessageKind::refuse));
    CHECK(initiator.refusal_code() == RefuseCode::auth_failed);
  }
  SECTION("the acceptor refuses a correct-secret proof made for the acceptor's role") {
    Handshake acceptor(Role::acceptor, config(2));
    crdt::sync::detail::Hello initiator;
    initiator.role = Role::initiator;
    initiator.versions = {1, 1};
    initiator.node_id = ReplicaId(1);
    initiator.nonce.fill(0x17);
    initiator.auth = crdt::sync::detail::AuthMode::shared_secret;
    const std::vector<Frame> reply =
        acceptor.handle(Frame{MessageKind::hello, crdt::sync::detail::encode_hello(initiator)});
    REQUIRE(reply.size() == 1);
    crdt::sync::detail::Hello acceptor_hello;
    REQUIRE_FALSE(crdt::sync::detail::decode_hello(reply[0].payload, acceptor_hello).has_value());
    const crdt::sync::detail::Transcript transcript{initiator, acceptor_hello, 1};
    const crdt::sync::Digest right_role =
        crdt::sync::detail::handshake_proof(kSecret, Role::initiator, transcript);
    const crdt::sync::Digest wrong_role =
        crdt::sync::detail::handshake_proof(kSecret, Role::acceptor, transcript);
    CHECK(right_role != wrong_role);

    Handshake copy = acceptor;
    CHECK(contains(
        acceptor.handle(Frame{MessageKind::auth, Bytes(wrong_role.begin(), wrong_role.end())}),
        MessageKind::refuse));
    CHECK(acceptor.refusal_code() == RefuseCode::auth_failed);
    // The same transcript with the initiator's role is accepted: the role alone made the
    // difference.
    const std::vector<Frame> ok =
        copy.handle(Frame{MessageKind::auth, Bytes(right_role.begin(), right_role.end())});
    CHECK(contains(ok, MessageKind::auth_ok));
    CHECK(copy.established());
  }
}

TEST_CASE("handshake: bytes after a hello's fields are ignored, so later versions can extend it",
          "[sync][handshake][version]") {
  Handshake initiator(Role::initiator, config(1));
  Handshake acceptor(Role::acceptor, config(2));
  Frame hello = initiator.start().at(0);
  hello.payload.insert(hello.payload.end(), {0xDE, 0xAD});
  const std::vector<Frame> hello_a = acceptor.handle(hello);
  REQUIRE(hello_a.size() == 1);
  CHECK(hello_a[0].kind == MessageKind::hello);
  const std::vector<Frame> auth = initiator.handle(hello_a[0]);
  const std::vector<Frame> auth_ok = acceptor.handle(auth.at(0));
  CHECK(initiator.handle(auth_ok.at(0)).empty());
  CHECK(initiator.established());
  CHECK(acceptor.established());
}

TEST_CASE("handshake: a version downgrade by a man in the middle is refused",
          "[sync][handshake][auth]") {
  Handshake initiator(Role::initiator, config(1, kSecret, {1, 5}));
  Handshake acceptor(Role::acceptor, config(2, kSecret, {1, 5}));
  std::vector<Frame> to_acceptor = initiator.start();
  crdt::sync::detail::Hello hello;
  REQUIRE_FALSE(crdt::sync::detail::decode_hello(to_acceptor[0].payload, hello).has_value());
  hello.versions = {1, 2};  // forces version 2 on the acceptor
  const std::vector<Frame> to_initiator =
      acceptor.handle(Frame{MessageKind::hello, crdt::sync::detail::encode_hello(hello)});
  const std::vector<Frame> auth = initiator.handle(to_initiator.at(0));
  static_cast<void>(acceptor.handle(auth.at(0)));
  CHECK(acceptor.refusal_code() == RefuseCode::auth_failed);
}

TEST_CASE("handshake: malformed and unexpected messages are refused", "[sync][handshake]") {
  SECTION("a malformed hello") {
    Handshake acceptor(Role::acceptor, config(2));
    const std::vector<Frame> reply = acceptor.handle(Frame{MessageKind::hello, {0x00, 0x01}});
    REQUIRE(reply.size() == 1);
    CHECK(reply[0].kind == MessageKind::refuse);
    CHECK(acceptor.refusal_code() == RefuseCode::protocol_error);
    CHECK(acceptor.refusal_reason().find("malformed hello") == 0);
  }
  SECTION("a message of the session before the handshake finished") {
    Handshake acceptor(Role::acceptor, config(2));
    static_cast<void>(acceptor.handle(Frame{MessageKind::deltas, {}}));
    CHECK(acceptor.refusal_reason() == "unexpected deltas during the handshake");
  }
  SECTION("auth before hello") {
    Handshake acceptor(Role::acceptor, config(2));
    static_cast<void>(acceptor.handle(Frame{MessageKind::auth, Bytes(32, 0)}));
    CHECK(acceptor.refusal_code() == RefuseCode::protocol_error);
  }
  SECTION("an auth proof of the wrong size") {
    Handshake initiator(Role::initiator, config(1));
    Handshake acceptor(Role::acceptor, config(2));
    const std::vector<Frame> hello_a = acceptor.handle(initiator.start().at(0));
    static_cast<void>(initiator.handle(hello_a.at(0)));
    static_cast<void>(acceptor.handle(Frame{MessageKind::auth, Bytes(31, 0)}));
    CHECK(acceptor.refusal_code() == RefuseCode::protocol_error);
  }
  SECTION("the same node id on both sides") {
    Handshake initiator(Role::initiator, config(7));
    Handshake acceptor(Role::acceptor, config(7));
    exchange(initiator, acceptor);
    CHECK(acceptor.refusal_code() == RefuseCode::same_node);
    CHECK(initiator.refusal_code() == RefuseCode::same_node);
  }
  SECTION("a peer's reason is cleaned of control characters") {
    Handshake initiator(Role::initiator, config(1));
    static_cast<void>(initiator.start());
    const Bytes refuse = crdt::sync::detail::encode_refuse({4, "bad\nlog line\x1b[31m"});
    CHECK(initiator.handle(Frame{MessageKind::refuse, refuse}).empty());
    CHECK(initiator.refusal_reason() == "refused by the peer (auth_failed): bad?log line?[31m");
  }
  SECTION("invalid configurations") {
    CHECK_THROWS_AS(Handshake(Role::initiator, config(0)), std::invalid_argument);
    CHECK_THROWS_AS(Handshake(Role::initiator, config(1, Bytes{})), std::invalid_argument);
    CHECK_THROWS_AS(Handshake(Role::initiator, config(1, kSecret, {3, 2})), std::invalid_argument);
  }
}

TEST_CASE("handshake: a deterministic transcript gives deterministic keys", "[sync][handshake]") {
  Nonce nonce_i{};
  Nonce nonce_a{};
  nonce_i.fill(1);
  nonce_a.fill(2);
  Handshake initiator(Role::initiator, config(1), nonce_i);
  Handshake acceptor(Role::acceptor, config(2), nonce_a);
  exchange(initiator, acceptor);
  REQUIRE(initiator.established());
  // The key schedule in handshake.hpp, recomputed from its description.
  Bytes salt(32, 1);
  salt.insert(salt.end(), 32, 2);
  Bytes info = {'c', 'r', 'd', 't', ' ', 's', 'e', 's', 's', 'i', 'o', 'n', ' ', 'v', '1'};
  const Bytes ids = {1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0};
  info.insert(info.end(), ids.begin(), ids.end());
  const Bytes material = crdt::sync::hkdf_sha256(kSecret, salt, info, 64);
  CHECK(Bytes(initiator.keys().send.begin(), initiator.keys().send.end()) ==
        Bytes(material.begin(), material.begin() + 32));
  CHECK(Bytes(acceptor.keys().send.begin(), acceptor.keys().send.end()) ==
        Bytes(material.begin() + 32, material.end()));
}

namespace {

// One side of a connection as the engine will drive it: frames through a writer and a reader,
// the session keys installed at the moment handshake.hpp prescribes.
struct Endpoint {
  Endpoint(Role role, HandshakeConfig cfg) : handshake(role, std::move(cfg)) {}

  Bytes send(const std::vector<Frame>& frames) {
    Bytes out;
    for (const Frame& frame : frames) writer.encode_to(frame, out);
    return out;
  }

  // Handles everything received; returns the bytes to send back.
  Bytes receive(ByteView bytes) {
    reader.feed(bytes);
    Bytes out;
    for (;;) {
      crdt::sync::ReadResult read = reader.next();
      REQUIRE_FALSE(read.error.has_value());
      if (read.need_more()) return out;
      if (!handshake.established()) {
        const std::vector<Frame> replies = handshake.handle(*read.frame);
        const Bytes encoded = send(replies);
        out.insert(out.end(), encoded.begin(), encoded.end());
        if (handshake.established()) {
          writer.set_key(handshake.keys().send);
          reader.set_key(handshake.keys().receive);
        }
      } else {
        received.push_back(std::move(*read.frame));
      }
    }
  }

  Handshake handshake;
  crdt::sync::FrameWriter writer;
  crdt::sync::FrameReader reader;
  std::vector<Frame> received;
};

}  // namespace

TEST_CASE("handshake: over frames, the session MAC starts right after the handshake",
          "[sync][handshake][frame]") {
  Endpoint initiator(Role::initiator, config(1));
  Endpoint acceptor(Role::acceptor, config(2));
  Bytes to_acceptor = initiator.send(initiator.handshake.start());
  Bytes to_initiator;
  while (!to_acceptor.empty() || !to_initiator.empty()) {
    to_initiator = acceptor.receive(to_acceptor);
    // The acceptor is established now and may send session frames right behind auth_ok.
    if (acceptor.handshake.established() && acceptor.writer.sequence() == 0 &&
        acceptor.writer.has_key()) {
      const Bytes ping = acceptor.send({Frame{MessageKind::ping, {7}}});
      to_initiator.insert(to_initiator.end(), ping.begin(), ping.end());
    }
    to_acceptor = initiator.receive(to_initiator);
  }
  REQUIRE(initiator.handshake.established());
  REQUIRE(acceptor.handshake.established());
  CHECK(initiator.reader.has_key());
  REQUIRE(initiator.received.size() == 1);
  CHECK(initiator.received[0] == Frame{MessageKind::ping, {7}});

  const Bytes pong = initiator.send({Frame{MessageKind::pong, {7}}});
  CHECK(pong.size() == 4 + 1 + 1 + 4 + 32);
  CHECK(acceptor.receive(pong).empty());
  REQUIRE(acceptor.received.size() == 1);
  CHECK(acceptor.received[0] == Frame{MessageKind::pong, {7}});
}
