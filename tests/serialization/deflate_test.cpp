// Inflating is bounded by what the bytes can honestly become and by an absolute cap, and memory
// grows with what actually comes out: a declared size is never trusted.
#include "crdt/serialization/deflate.hpp"

#include <cstdint>
#include <vector>

#include <catch2/catch.hpp>

namespace sd = crdt::serialization::detail;

TEST_CASE("deflate: a block inflates to exactly its declared size, or not at all", "[deflate]") {
  std::vector<std::uint8_t> raw(100000);
  for (std::size_t i = 0; i < raw.size(); ++i) raw[i] = static_cast<std::uint8_t>(i * 7 % 13);
  const auto packed = sd::deflate_bytes(raw);
  std::vector<std::uint8_t> out;
  REQUIRE(sd::inflate_bytes(packed, raw.size(), out));
  CHECK(out == raw);
  CHECK_FALSE(sd::inflate_bytes(packed, raw.size() - 1, out));
  CHECK_FALSE(sd::inflate_bytes(packed, raw.size() + 1, out));
  CHECK(sd::inflate_bytes(sd::deflate_bytes({}), 0, out));
  CHECK(out.empty());
  // Truncated or damaged input.
  CHECK_FALSE(sd::inflate_bytes(std::span(packed).first(packed.size() / 2), raw.size(), out));
  auto damaged = packed;
  damaged[damaged.size() / 2] ^= 0x5a;
  CHECK_FALSE(sd::inflate_bytes(damaged, raw.size(), out));
}

TEST_CASE("deflate: a 4 GB claim is refused before anything is allocated", "[deflate]") {
  // 4 MiB of packed bytes may honestly expand about 1032 times: the ratio alone would allow it.
  const std::vector<std::uint8_t> packed(std::size_t{4} << 20, 0);
  std::vector<std::uint8_t> out;
  CHECK_FALSE(sd::inflate_bytes(packed, std::size_t{4} << 30, out));
  CHECK(out.capacity() == 0);
}

TEST_CASE("deflate: a lie within the cap costs what the data really expands to", "[deflate]") {
  const std::vector<std::uint8_t> raw(1000, 1);
  const auto packed = sd::deflate_bytes(raw);
  std::vector<std::uint8_t> out;
  // Declared as large as these bytes could honestly claim: refused after the 1,000 real ones.
  CHECK_FALSE(sd::inflate_bytes(packed, packed.size() * sd::kMaxDeflateRatio, out));
  CHECK(out.capacity() <= (std::size_t{1} << 20) + 1);
  // Just over the cap, with enough bytes for the ratio to allow it: refused by the cap.
  const std::vector<std::uint8_t> plenty(sd::kMaxInflatedBytes / sd::kMaxDeflateRatio + 4096, 0);
  std::vector<std::uint8_t> untouched;
  CHECK_FALSE(sd::inflate_bytes(plenty, sd::kMaxInflatedBytes + 1, untouched));
  CHECK(untouched.capacity() == 0);
}
