#include "payload_codec.hpp"

#include <string>

#include <catch2/catch.hpp>

using crdt::serialization::DecodeError;
using crdt::sync::Bytes;
using crdt::sync::PayloadReader;
using crdt::sync::PayloadWriter;
using crdt::sync::read_payload;

TEST_CASE("payload codec: fields round-trip and the payload must be consumed exactly",
          "[sync][codec]") {
  const Bytes payload = crdt::sync::write_payload([](PayloadWriter& out) {
    out.write_varint(300);
    crdt::sync::write_bytes(out, crdt::sync::as_bytes("hello"));
  });
  std::uint64_t number = 0;
  std::string text;
  CHECK_FALSE(read_payload(payload, [&](PayloadReader& in) {
                number = in.read_varint();
                text = crdt::sync::read_string(in, 16);
              }).has_value());
  CHECK(number == 300);
  CHECK(text == "hello");

  SECTION("bytes left over") {
    const auto error = read_payload(payload, [&](PayloadReader& in) { in.read_varint(); });
    REQUIRE(error.has_value());
    CHECK(error->code == DecodeError::trailing_bytes);
  }
  SECTION("a string above its limit is refused before it is allocated") {
    const auto error = read_payload(payload, [&](PayloadReader& in) {
      in.read_varint();
      static_cast<void>(crdt::sync::read_string(in, 4));
    });
    REQUIRE(error.has_value());
    CHECK(error->code == DecodeError::too_large);
  }
  SECTION("a declared length beyond the input") {
    const Bytes lying = {0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 'x'};
    const auto error = read_payload(lying, [&](PayloadReader& in) {
      static_cast<void>(crdt::sync::read_bytes(in, std::size_t{1} << 40));
    });
    REQUIRE(error.has_value());
    CHECK(error->code == DecodeError::truncated);
  }
  SECTION("truncated input") {
    const Bytes cut(payload.begin(), payload.begin() + 4);
    const auto error = read_payload(cut, [&](PayloadReader& in) {
      in.read_varint();
      static_cast<void>(crdt::sync::read_string(in, 16));
    });
    REQUIRE(error.has_value());
    CHECK(error->code == DecodeError::truncated);
  }
}
