// The sync protocol's messages: every one round-trips, and malformed payloads are refused with a
// reason, never a crash or an allocation of a declared size.
#include "sync_messages.hpp"

#include <random>

#include <catch2/catch.hpp>

using namespace crdt::sync;

namespace {

template <class M>
M round_trip(const M& message, MessageKind kind) {
  const Frame frame = to_frame(message);
  CHECK(frame.kind == kind);
  M parsed;
  const auto error = parse(frame.payload, parsed, MessageLimits{});
  INFO((error ? error->message : std::string()));
  REQUIRE_FALSE(error.has_value());
  return parsed;
}

}  // namespace

TEST_CASE("sync messages round-trip", "[sync][messages]") {
  const SyncStart start{SyncStart::Mode::replica, {"user1/", "shared/"}, "phone"};
  CHECK(round_trip(start, MessageKind::sync_start) == start);

  const DeltasMessage deltas{
      7, 10, 20, {{"cart/a", "orset<string>", {1, 2, 3}}, {"t", "text", {}}}};
  CHECK(round_trip(deltas, MessageKind::deltas) == deltas);

  const AckMessage ack{7, 20};
  CHECK(round_trip(ack, MessageKind::ack) == ack);

  const DigestMessage digest{3, {{0, 0, {10000, 0xdeadbeef}}, {2, 0xAB00000000000000ULL, {5, 42}}}};
  CHECK(round_trip(digest, MessageKind::digest) == digest);

  DigestReply reply{3, {}};
  DigestResult split;
  split.depth = 1;
  split.prefix = 0x1000000000000000ULL;
  split.verdict = DigestResult::Verdict::split;
  for (unsigned i = 0; i < kDigestFanout; ++i) split.children[i] = DigestSummary{i, i * 7};
  DigestResult listed;
  listed.depth = 16;
  listed.prefix = 0x0123456789abcdefULL;
  listed.verdict = DigestResult::Verdict::listed;
  listed.listed = {{"doc", "pncounter", {9, 9}}};
  DigestResult equal;
  reply.results = {split, listed, equal};
  CHECK(round_trip(reply, MessageKind::digest_reply) == reply);

  CHECK(round_trip(CaughtUp{99}, MessageKind::caught_up) == CaughtUp{99});
}

TEST_CASE("large deltas messages travel compressed", "[sync][messages]") {
  DeltasMessage many{3, 100, 200, {}};
  for (int i = 0; i < 200; ++i) {
    many.items.push_back({"doc/" + std::to_string(i), "lww<int64>", Bytes(40, 7)});
  }
  const Frame frame = to_frame(many);
  REQUIRE(frame.payload[0] == 1);
  CHECK(frame.payload.size() * 4 < 200 * 60);
  DeltasMessage parsed;
  REQUIRE_FALSE(parse(frame.payload, parsed, MessageLimits{}).has_value());
  CHECK(parsed == many);
  // A declared size beyond the limit is refused before inflating.
  MessageLimits small;
  small.max_message_bytes = 1000;
  CHECK(parse(frame.payload, parsed, small).has_value());
  // Damage inside the compressed stream is an error, not a crash.
  Bytes damaged = frame.payload;
  damaged[damaged.size() / 2] ^= 0x55;
  CHECK(parse(damaged, parsed, MessageLimits{}).has_value());
}

TEST_CASE("sync messages refuse malformed payloads", "[sync][messages]") {
  MessageLimits limits;
  SECTION("an unknown session mode") {
    Frame frame = to_frame(SyncStart{});
    frame.payload[0] = 9;
    SyncStart out;
    CHECK(parse(frame.payload, out, limits).has_value());
  }
  SECTION("deltas whose end is before their start") {
    const Frame frame = to_frame(DeltasMessage{1, 10, 5, {}});
    DeltasMessage out;
    CHECK(parse(frame.payload, out, limits).has_value());
  }
  SECTION("a digest prefix with bits below its depth") {
    const Frame frame = to_frame(DigestMessage{1, {{1, 0x0100000000000000ULL, {}}}});
    DigestMessage out;
    CHECK(parse(frame.payload, out, limits).has_value());
  }
  SECTION("a digest deeper than 16") {
    const Frame frame = to_frame(DigestMessage{1, {{17, 0, {}}}});
    DigestMessage out;
    CHECK(parse(frame.payload, out, limits).has_value());
  }
  SECTION("more items than the limit") {
    DeltasMessage many{1, 0, 3, {}};
    for (int i = 0; i < 5; ++i) many.items.push_back({"d", "t", {}});
    limits.max_items = 4;
    DeltasMessage out;
    CHECK(parse(to_frame(many).payload, out, limits).has_value());
  }
  SECTION("an id longer than the limit") {
    limits.max_id_bytes = 3;
    DeltasMessage out;
    CHECK(parse(to_frame(DeltasMessage{1, 0, 1, {{"long-id", "t", {}}}}).payload, out, limits)
              .has_value());
  }
  SECTION("a declared count far beyond the bytes") {
    const Bytes payload = {1, 0, 1, 0xff, 0xff, 0xff, 0xff, 0x0f};
    DeltasMessage out;
    CHECK(parse(payload, out, limits).has_value());
  }
  SECTION("trailing bytes") {
    Frame frame = to_frame(AckMessage{1, 2});
    frame.payload.push_back(0);
    AckMessage out;
    CHECK(parse(frame.payload, out, limits).has_value());
  }
}

TEST_CASE("sync messages survive every truncation and random bytes", "[sync][messages]") {
  DigestReply reply{5, {}};
  DigestResult listed;
  listed.verdict = DigestResult::Verdict::listed;
  listed.listed = {{"a", "text", {1, 2, 3, 4}}, {"b", "orset<string>", {5}}};
  reply.results = {listed};
  const Frame frame = to_frame(reply);
  for (std::size_t size = 0; size < frame.payload.size(); ++size) {
    DigestReply out;
    const Bytes prefix(frame.payload.begin(), frame.payload.begin() + size);
    CHECK(parse(prefix, out, MessageLimits{}).has_value());
  }
  std::mt19937 random(7);
  for (int round = 0; round < 2000; ++round) {
    Bytes noise(random() % 64);
    for (auto& byte : noise) byte = static_cast<std::uint8_t>(random());
    DeltasMessage deltas;
    DigestReply digest_reply;
    SyncStart start;
    (void)parse(noise, deltas, MessageLimits{});
    (void)parse(noise, digest_reply, MessageLimits{});
    (void)parse(noise, start, MessageLimits{});
  }
}
