#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include <catch2/catch.hpp>

#include <crdt/serialization/causal.hpp>
#include <crdt/serialization/codec.hpp>
#include <crdt/serialization/or_set.hpp>
#include <crdt/serialization/pn_counter.hpp>
#include <crdt/serialization/serializable.hpp>

#include "serialization_test_support.hpp"

using crdt::ORSet;
using crdt::PNCounter;
using crdt::ReplicaId;
using crdt::VersionVector;
using crdt::serialization::BadDecodedAccess;
using crdt::serialization::decode;
using crdt::serialization::decode_header;
using crdt::serialization::DecodeError;
using crdt::serialization::encode;
using crdt::serialization::encode_to;
using crdt::serialization::kDefaultMaxBytes;
using crdt::serialization::kFormatVersion;
using namespace crdt::serialization::testing;

namespace {

const ReplicaId kA(1);

ORSet<std::string> sample_set() {
  ORSet<std::string> set;
  set.add(kA, "a");
  set.add(ReplicaId(2), "b");
  return set;
}

struct NoSerializer {
  int x = 0;
};

}  // namespace

namespace crdt::serialization {

static_assert(Serializable<ORSet<std::string>>);
static_assert(Serializable<VersionVector>);
static_assert(!Serializable<NoSerializer>);
static_assert(!Archivable<NoSerializer>);
static_assert(!Archivable<std::unordered_map<int, int>>);
static_assert(!Archivable<std::vector<NoSerializer>>);
static_assert(!Archivable<ORSet<NoSerializer>>);
static_assert(!Archivable<int*>);
static_assert(!Archivable<long double>);
// Archivable, but without a type tag no frame can name it.
static_assert(Archivable<ORSet<int>>);
static_assert(!Serializable<ORSet<int>>);
static_assert(Archivable<std::map<std::string, std::vector<std::optional<double>>>>);

}  // namespace crdt::serialization

TEST_CASE("Codec: a frame is the format byte, the type tag, then the body",
          "[serialization][codec]") {
  CHECK(kFormatVersion == 2);
  const ORSet<std::string> set = sample_set();
  CHECK(encode(set) == frame_of<ORSet<std::string>>(body_of(set)));

  std::vector<std::uint8_t> out{0xaa};
  encode_to(set, out);
  CHECK(out.size() == 1 + encode(set).size());
  CHECK(out.front() == 0xaa);

  const auto header = decode_header(encode(set));
  REQUIRE(header.has_value());
  CHECK(header.value().format == 2);
  CHECK(header.value().type == "orset<string>");
  CHECK(header.value().body_offset == 15);
}

TEST_CASE("Codec: an unknown format version is refused", "[serialization][codec]") {
  const ORSet<std::string> set = sample_set();
  for (const std::uint8_t format :
       {std::uint8_t{0}, std::uint8_t{1}, std::uint8_t{3}, std::uint8_t{255}}) {
    std::vector<std::uint8_t> bytes = encode(set);
    bytes[0] = format;
    CHECK(error_of<ORSet<std::string>>(bytes) == DecodeError::unsupported_version);
    const auto header = decode_header(bytes);
    REQUIRE_FALSE(header.has_value());
    CHECK(header.error() == DecodeError::unsupported_version);
  }
}

TEST_CASE("Codec: a frame of another type is refused", "[serialization][codec]") {
  const auto bytes = encode(sample_set());
  CHECK(error_of<ORSet<std::int64_t>>(bytes) == DecodeError::wrong_type);
  CHECK(error_of<PNCounter>(bytes) == DecodeError::wrong_type);
  CHECK(error_of<VersionVector>(bytes) == DecodeError::wrong_type);
  // Same length, one letter different.
  CHECK(error_of<ORSet<std::string>>(raw_frame(kFormatVersion, "orset<strinG>",
                                               body_of(sample_set()))) == DecodeError::wrong_type);
  CHECK(error_of<PNCounter>(encode(VersionVector{})) == DecodeError::wrong_type);
}

TEST_CASE("Codec: trailing bytes are refused", "[serialization][codec]") {
  auto bytes = encode(PNCounter{});
  bytes.push_back(0x00);
  CHECK(error_of<PNCounter>(bytes) == DecodeError::trailing_bytes);
  const auto decoded = decode<PNCounter>(bytes);
  CHECK(decoded.message() == "1 bytes follow the value");
}

TEST_CASE("Codec: every truncation is an error", "[serialization][codec]") {
  check_cut_and_extended(sample_set());
  check_cut_and_extended(VersionVector{});
  PNCounter counter;
  counter.increment(kA, 1000);
  check_cut_and_extended(counter);
  CHECK(error_of<PNCounter>({}) == DecodeError::truncated);
}

TEST_CASE("Codec: the size limit is checked before anything is read", "[serialization][codec]") {
  const auto bytes = encode(sample_set());
  const auto limited = decode<ORSet<std::string>>(bytes, bytes.size() - 1);
  REQUIRE_FALSE(limited.has_value());
  CHECK(limited.error() == DecodeError::too_large);
  CHECK(decode<ORSet<std::string>>(bytes, bytes.size()).has_value());

  const std::vector<std::uint8_t> oversized(kDefaultMaxBytes + 1, 0x00);
  CHECK(error_of<ORSet<std::string>>(oversized) == DecodeError::too_large);
  CHECK(error_of<ORSet<std::string>>(std::vector<std::uint8_t>(16, 0x01)) !=
        DecodeError::too_large);
}

TEST_CASE("Codec: hostile counts in small inputs fail without allocating much",
          "[serialization][codec]") {
  // Every count says "about 2^63"; a stock binary archive would try to reserve that.
  std::vector<std::uint8_t> bytes = frame_of<ORSet<std::string>>({});
  for (int i = 0; i < 4; ++i) {
    bytes.insert(bytes.end(), {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f});
  }
  bytes.resize(57, 0xff);
  const auto decoded = decode<ORSet<std::string>>(bytes);
  REQUIRE_FALSE(decoded.has_value());
  CHECK(decoded.error() == DecodeError::truncated);
  CHECK(decoded.message().find("exceeds") != std::string_view::npos);
}

TEST_CASE("Codec: Decoded holds either a value or an error", "[serialization][codec]") {
  const auto good = decode<VersionVector>(encode(VersionVector{}));
  REQUIRE(good.has_value());
  CHECK(static_cast<bool>(good));
  CHECK(good.message().empty());
  CHECK_THROWS_AS(good.error(), BadDecodedAccess);

  const auto bad = decode<VersionVector>(std::vector<std::uint8_t>{0x02, 0x02, 'v'});
  REQUIRE_FALSE(bad.has_value());
  CHECK_FALSE(static_cast<bool>(bad));
  CHECK(bad.error() == DecodeError::truncated);
  CHECK_FALSE(bad.message().empty());
  CHECK_THROWS_AS(bad.value(), BadDecodedAccess);
  CHECK(crdt::serialization::to_string(DecodeError::wrong_type) == "wrong_type");

  auto movable = decode<ORSet<std::string>>(encode(sample_set()));
  const ORSet<std::string> taken = std::move(movable).value();
  CHECK(taken == sample_set());
}
