#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include <catch2/catch.hpp>

#include <crdt/serialization/codec.hpp>
#include <crdt/serialization/text.hpp>
#include <crdt/text.hpp>

#include "serialization_test_support.hpp"

using crdt::ReplicaId;
using crdt::Text;

namespace {
// Two replicas edited concurrently, one with a pending delta, so every part of the state is
// present: visible and deleted runs, multi-byte text, pending inserts and deletes.
Text sample() {
  Text a, b;
  b.merge(a.insert(ReplicaId(1), 0, "héllo wörld 𝄞"));
  b.insert(ReplicaId(2), 5, ",");
  a.erase(ReplicaId(1), 0, 1);
  a.merge(b);
  Text c = a;
  const Text late = c.insert(ReplicaId(3), 2, "later");
  const Text later = c.erase(ReplicaId(3), 2, 3);
  a.merge(later);  // waits for `late`
  return a;
}
}  // namespace

TEST_CASE("Text: the encoding round-trips, pending parts included", "[serialization][text]") {
  const Text text = sample();
  REQUIRE(text.pending_inserts() == 0);
  REQUIRE(text.pending_deletes() == 1);
  const auto bytes = crdt::serialization::encode(text);
  auto decoded = crdt::serialization::decode<Text>(bytes);
  REQUIRE(decoded.has_value());
  CHECK(decoded.value() == text);
  CHECK(decoded.value().str() == text.str());
  CHECK(crdt::serialization::encode(decoded.value()) == bytes);
  const Text empty;
  auto round = crdt::serialization::decode<Text>(crdt::serialization::encode(empty));
  REQUIRE(round.has_value());
  CHECK(round.value() == empty);
}

TEST_CASE("Text: truncated and corrupted encodings give errors, never crashes",
          "[serialization][text]") {
  const auto bytes = crdt::serialization::encode(sample());
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    const std::vector<std::uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<long>(n));
    CHECK_FALSE(crdt::serialization::decode<Text>(cut).has_value());
  }
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    std::vector<std::uint8_t> flipped = bytes;
    flipped[rng() % flipped.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
    auto decoded = crdt::serialization::decode<Text>(flipped);
    if (decoded) CHECK(decoded.value().well_formed());
  }
}

namespace {
// A long history by one replica: typing, backspacing and edits in the middle, so the columns pass
// the size from which they are compressed.
Text typed(std::uint32_t seed, int edits) {
  Text text;
  std::mt19937 rng(seed);
  for (int i = 0; i < edits; ++i) {
    const std::size_t size = text.size();
    if (size > 0 && rng() % 4 == 0) {
      const std::size_t pos = rng() % size;
      text.erase(ReplicaId(9), pos, std::min<std::size_t>(1 + rng() % 3, size - pos));
    } else {
      text.insert(ReplicaId(9), size == 0 ? 0 : rng() % (size + 1), rng() % 5 == 0 ? "ü" : "ab");
    }
  }
  return text;
}
}  // namespace

TEST_CASE("Text: a large state is compressed and round-trips", "[serialization][text]") {
  const Text text = typed(11, 3000);
  const auto bytes = crdt::serialization::encode(text);
  auto decoded = crdt::serialization::decode<Text>(bytes);
  REQUIRE(decoded.has_value());
  CHECK(decoded.value() == text);
  CHECK(decoded.value().str() == text.str());
  CHECK(crdt::serialization::encode(decoded.value()) == bytes);
  // Far smaller than one row per run: a run costs a few bytes, the text compresses.
  CHECK(bytes.size() < text.span_count() * 4 + text.size_bytes());
  // What delta_since sends a peer that has nothing is the same state.
  auto caught_up = crdt::serialization::decode<Text>(
      crdt::serialization::encode(text.delta_since(crdt::VersionVector{})));
  REQUIRE(caught_up.has_value());
  Text peer;
  peer.merge(caught_up.value());
  CHECK(peer == text);
}

TEST_CASE("Text: deletes keep their own dots through the encoding", "[serialization][text]") {
  Text a;
  const Text typed_delta = a.insert(ReplicaId(1), 0, "abcdef");
  Text b;
  b.merge(typed_delta);
  // Both replicas delete "cd" concurrently; a also deletes "b" and "ef" separately.
  const Text from_a = a.erase(ReplicaId(1), 2, 2);
  const Text from_b = b.erase(ReplicaId(2), 1, 3);
  a.erase(ReplicaId(1), 1, 1);
  a.merge(from_b);
  b.merge(from_a);
  const auto decoded = crdt::serialization::decode<Text>(crdt::serialization::encode(a));
  REQUIRE(decoded.has_value());
  CHECK(decoded.value() == a);
  // A peer that saw only b's delete still gets a's two deletes and nothing else.
  std::vector<crdt::Dot> dots;
  decoded.value()
      .delta_since(b.context())
      .for_each_delete([&](crdt::Dot dot, crdt::Dot, std::uint32_t) { dots.push_back(dot); });
  std::sort(dots.begin(), dots.end());
  dots.erase(std::unique(dots.begin(), dots.end()), dots.end());
  CHECK(dots.size() == 1);  // a's second delete ("b"); b already has a's first
  b.merge(decoded.value().delta_since(b.context()));
  CHECK(b == a);
}

TEST_CASE("Text: a pending insert after an unknown replica's character round-trips",
          "[serialization][text]") {
  Text a, b, c;
  b.merge(a.insert(ReplicaId(1), 0, "x"));
  const Text after_x = b.insert(ReplicaId(2), 1, "y");
  c.merge(after_x);  // c has never heard of replica 1, whose "x" the insert follows
  REQUIRE(c.pending_inserts() == 1);
  const auto decoded = crdt::serialization::decode<Text>(crdt::serialization::encode(c));
  REQUIRE(decoded.has_value());
  CHECK(decoded.value() == c);
}

TEST_CASE("Text: non-canonical encodings are refused", "[serialization][text]") {
  using crdt::serialization::CheckedOutputArchive;
  using crdt::serialization::detail::TextColumns;
  // Hand-written frames: context {r1: 1..2}, one replica, clock 2, raw columns, nothing pending.
  const auto frame = [](const TextColumns& columns, std::uint8_t method) {
    std::vector<std::uint8_t> body;
    CheckedOutputArchive ar(body);
    crdt::VersionVector context;
    context.add_range(ReplicaId(1), 1, 2);
    std::vector<std::uint8_t> raw;
    CheckedOutputArchive inner(raw);
    inner << columns;
    const std::vector<ReplicaId> ids{ReplicaId(1)};
    ar << context << ids << std::uint64_t{2} << method << std::uint64_t{raw.size()} << raw
       << std::uint64_t{0} << std::uint64_t{0};
    return crdt::serialization::testing::frame_of<Text>(body);
  };
  // "ab" typed as one run: shape 2 << 3 | kind 3 << 1, replica 0, counter +1, lamport offset 0,
  // origin: the start.
  TextColumns one;
  one.runs = 1;
  one.shape = {2 << 3 | 3 << 1};
  one.replica = {0};
  one.counter = {2};  // zigzag(+1)
  one.lamport = {0};
  one.origin = {0};
  one.content = "ab";
  auto good = crdt::serialization::decode<Text>(frame(one, 0));
  REQUIRE(good.has_value());
  CHECK(good.value().str() == "ab");
  CHECK(crdt::serialization::encode(good.value()) == frame(one, 0));

  // The same text as two runs, the second continuing the first: refused, it has one encoding.
  TextColumns split = one;
  split.runs = 2;
  split.shape = {1 << 3 | 3 << 1, 1 << 3};
  CHECK_FALSE(crdt::serialization::decode<Text>(frame(split, 0)).has_value());
  // A small block claiming to be compressed, and a clock behind the characters.
  CHECK_FALSE(crdt::serialization::decode<Text>(frame(one, 1)).has_value());
  TextColumns short_content = one;
  short_content.content = "a";
  CHECK_FALSE(crdt::serialization::decode<Text>(frame(short_content, 0)).has_value());
}
