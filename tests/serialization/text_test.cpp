#include <cstdint>
#include <random>
#include <vector>

#include <catch2/catch.hpp>

#include <crdt/serialization/codec.hpp>
#include <crdt/serialization/text.hpp>
#include <crdt/text.hpp>

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
