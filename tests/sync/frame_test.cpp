#include "frame.hpp"

#include <cstdint>
#include <random>
#include <stdexcept>
#include <vector>

#include <catch2/catch.hpp>

#include "frame_codec.hpp"
#include "frame_reader.hpp"
#include "frame_writer.hpp"
#include "sync_test_support.hpp"

using crdt::sync::as_bytes;
using crdt::sync::Bytes;
using crdt::sync::ByteView;
using crdt::sync::Frame;
using crdt::sync::FrameError;
using crdt::sync::FrameReader;
using crdt::sync::FrameWriter;
using crdt::sync::Key;
using crdt::sync::kMacSize;
using crdt::sync::MessageKind;
using crdt::sync::test::seeded_bytes;

namespace {

std::vector<Frame> sample_frames() {
  std::vector<Frame> frames;
  std::uint32_t seed = 1;
  for (MessageKind kind : crdt::sync::kAllMessageKinds) {
    frames.push_back(Frame{kind, {}});
    frames.push_back(Frame{kind, seeded_bytes(seed * 37 % 300, seed)});
    ++seed;
  }
  return frames;
}

// Everything the reader yields until it needs more bytes; fails the test on an error.
std::vector<Frame> drain(FrameReader& reader) {
  std::vector<Frame> frames;
  for (;;) {
    crdt::sync::ReadResult result = reader.next();
    REQUIRE_FALSE(result.error.has_value());
    if (result.need_more()) return frames;
    frames.push_back(std::move(*result.frame));
  }
}

Key key_from(std::uint8_t seed) {
  Key key{};
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(seed + i);
  return key;
}

Bytes encode_all(FrameWriter& writer, const std::vector<Frame>& frames) {
  Bytes stream;
  for (const Frame& frame : frames) writer.encode_to(frame, stream);
  return stream;
}

// Feeds the bytes in one go and returns the first error, or nothing.
std::optional<FrameError> first_error(FrameReader& reader, ByteView bytes) {
  reader.feed(bytes);
  for (;;) {
    crdt::sync::ReadResult result = reader.next();
    if (result.error) return result.error;
    if (result.need_more()) return std::nullopt;
  }
}

}  // namespace

TEST_CASE("frame: every kind round-trips, with and without a MAC", "[sync][frame]") {
  const std::vector<Frame> frames = sample_frames();
  const bool with_mac = GENERATE(false, true);
  FrameWriter writer;
  FrameReader reader;
  if (with_mac) {
    writer.set_key(key_from(7));
    reader.set_key(key_from(7));
  }
  for (const Frame& frame : frames) {
    const Bytes bytes = writer.encode(frame);
    CHECK(bytes.size() == 4 + 1 + frame.payload.size() + 4 + (with_mac ? kMacSize : 0));
    reader.feed(bytes);
    const std::vector<Frame> out = drain(reader);
    REQUIRE(out.size() == 1);
    CHECK(out[0] == frame);
  }
  CHECK(reader.buffered() == 0);
  CHECK(writer.sequence() == (with_mac ? frames.size() : 0));
  CHECK(reader.sequence() == writer.sequence());
}

TEST_CASE("frame: the byte format is the documented one", "[sync][frame]") {
  FrameWriter writer;
  const Bytes bytes = writer.encode(Frame{MessageKind::ack, {0xAB, 0xCD}});
  // length 7 = kind + 2 payload bytes + crc, little-endian
  REQUIRE(bytes.size() == 11);
  CHECK(bytes[0] == 7);
  CHECK(bytes[1] == 0);
  CHECK(bytes[2] == 0);
  CHECK(bytes[3] == 0);
  CHECK(bytes[4] == 0x21);
  CHECK(bytes[5] == 0xAB);
  CHECK(bytes[6] == 0xCD);
  const std::uint32_t crc = crdt::sync::detail::frame_crc(0x21, ByteView(bytes).subspan(5, 2));
  CHECK(crdt::sync::detail::get_u32(bytes.data() + 7) == crc);
  // zlib's crc32 of the three bytes 21 ab cd, computed independently (Python zlib.crc32)
  CHECK(crc == 0x6EE82EEAu);
}

TEST_CASE("frame: any split of the stream yields the same frames", "[sync][frame]") {
  const std::vector<Frame> frames = sample_frames();
  const bool with_mac = GENERATE(false, true);
  FrameWriter writer;
  if (with_mac) writer.set_key(key_from(3));
  const Bytes stream = encode_all(writer, frames);

  SECTION("one byte at a time") {
    FrameReader reader;
    if (with_mac) reader.set_key(key_from(3));
    std::vector<Frame> out;
    for (std::uint8_t byte : stream) {
      reader.feed(ByteView(&byte, 1));
      for (Frame& frame : drain(reader)) out.push_back(std::move(frame));
    }
    CHECK(out == frames);
  }
  SECTION("random chunk sizes") {
    for (std::uint32_t seed = 1; seed <= 20; ++seed) {
      std::mt19937 random(seed);
      FrameReader reader;
      if (with_mac) reader.set_key(key_from(3));
      std::vector<Frame> out;
      std::size_t position = 0;
      while (position < stream.size()) {
        const std::size_t size = std::min<std::size_t>(stream.size() - position, random() % 700);
        reader.feed(ByteView(stream).subspan(position, size));
        position += size;
        for (Frame& frame : drain(reader)) out.push_back(std::move(frame));
      }
      INFO("seed " << seed);
      CHECK(out == frames);
    }
  }
}

TEST_CASE("frame: a truncated frame waits for the rest", "[sync][frame]") {
  FrameWriter writer;
  const Bytes bytes = writer.encode(Frame{MessageKind::deltas, seeded_bytes(100, 9)});
  for (std::size_t size = 0; size < bytes.size(); ++size) {
    FrameReader reader;
    reader.feed(ByteView(bytes).first(size));
    const crdt::sync::ReadResult result = reader.next();
    INFO("prefix of " << size << " bytes");
    CHECK(result.need_more());
    CHECK(reader.buffered() == size);
  }
}

TEST_CASE("frame: an oversized length is refused from its four bytes alone", "[sync][frame]") {
  SECTION("0xFFFFFFFF") {
    FrameReader reader;
    const Bytes prefix = {0xFF, 0xFF, 0xFF};
    reader.feed(prefix);
    CHECK(reader.next().need_more());
    const std::uint8_t last = 0xFF;
    reader.feed(ByteView(&last, 1));
    const crdt::sync::ReadResult result = reader.next();
    CHECK(result.error == FrameError::too_large);
    CHECK(reader.error_message().find("4294967295") != std::string::npos);
    // Nothing is kept, and nothing more will be.
    CHECK(reader.buffered() == 0);
    reader.feed(seeded_bytes(1000, 1));
    CHECK(reader.buffered() == 0);
  }
  SECTION("one byte above a configured maximum; the maximum itself is accepted") {
    constexpr std::size_t kMax = 1024;
    FrameWriter writer(kMax);
    const Bytes largest =
        writer.encode(Frame{MessageKind::deltas, Bytes(writer.max_payload_size(), 0x5A)});
    FrameReader reader(kMax);
    reader.feed(largest);
    CHECK(drain(reader).size() == 1);

    FrameWriter bigger(kMax + 1);
    const Bytes too_big =
        bigger.encode(Frame{MessageKind::deltas, Bytes(bigger.max_payload_size(), 0x5A)});
    FrameReader strict(kMax);
    strict.feed(ByteView(too_big).first(4));
    CHECK(strict.next().error == FrameError::too_large);
  }
  SECTION("a writer refuses a payload above its maximum, without consuming a sequence number") {
    FrameWriter writer(1024);
    writer.set_key(key_from(1));
    const Frame frame{MessageKind::deltas, Bytes(writer.max_payload_size() + 1, 0)};
    CHECK_THROWS_AS(writer.encode(frame), std::length_error);
    CHECK(writer.sequence() == 0);
  }
}

TEST_CASE("frame: a length too small for kind and checksum is refused", "[sync][frame]") {
  FrameReader reader;
  const Bytes bytes = {4, 0, 0, 0, 0x10, 0, 0, 0};
  CHECK(first_error(reader, bytes) == FrameError::too_short);

  FrameReader keyed;
  keyed.set_key(key_from(1));
  FrameWriter unkeyed;
  // A frame without a MAC is too short for a reader that expects one (if it is short enough).
  CHECK(first_error(keyed, unkeyed.encode(Frame{MessageKind::ping, Bytes(10, 1)})) ==
        FrameError::too_short);
}

TEST_CASE("frame: a damaged byte fails the checksum", "[sync][frame]") {
  FrameWriter writer;
  const Bytes good = writer.encode(Frame{MessageKind::digest, seeded_bytes(64, 4)});
  for (std::size_t position = 4; position < good.size(); ++position) {
    Bytes bad = good;
    bad[position] ^= 0x01;
    FrameReader reader;
    INFO("flipped byte " << position);
    CHECK(first_error(reader, bad) == FrameError::bad_checksum);
  }
}

TEST_CASE("frame: an unknown kind is refused", "[sync][frame]") {
  Bytes bytes = {5, 0, 0, 0, 0xEE};
  crdt::sync::detail::put_u32(bytes, crdt::sync::detail::frame_crc(0xEE, {}));
  FrameReader reader;
  CHECK(first_error(reader, bytes) == FrameError::unknown_kind);
}

TEST_CASE("frame: garbage never yields a frame", "[sync][frame]") {
  SECTION("an HTTP request") {
    FrameReader reader;
    CHECK(first_error(reader, as_bytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n")) ==
          FrameError::too_large);
  }
  SECTION("random bytes") {
    for (std::uint32_t seed = 1; seed <= 200; ++seed) {
      FrameReader reader(256);
      const Bytes garbage = seeded_bytes(2048, seed);
      INFO("seed " << seed);
      // Either the length is above 256, or a whole frame is there and its CRC fails.
      const std::optional<FrameError> error = first_error(reader, garbage);
      REQUIRE(error.has_value());
      CHECK((error == FrameError::too_large || error == FrameError::too_short ||
             error == FrameError::bad_checksum));
    }
  }
}

TEST_CASE("frame: a failed reader stays failed", "[sync][frame]") {
  FrameWriter writer;
  FrameReader reader;
  const Bytes bad = {0xFF, 0xFF, 0xFF, 0xFF};
  CHECK(first_error(reader, bad) == FrameError::too_large);
  reader.feed(writer.encode(Frame{MessageKind::ping, {}}));
  const crdt::sync::ReadResult result = reader.next();
  CHECK_FALSE(result.frame.has_value());
  CHECK(result.error == FrameError::too_large);
  CHECK(reader.failed());
}

TEST_CASE("frame: a key installed between two frames applies from the next one", "[sync][frame]") {
  FrameWriter writer;
  Bytes stream = writer.encode(Frame{MessageKind::auth_ok, Bytes(32, 1)});
  writer.set_key(key_from(5));
  writer.encode_to(Frame{MessageKind::deltas, {1, 2, 3}}, stream);
  writer.encode_to(Frame{MessageKind::ack, {4}}, stream);

  FrameReader reader;
  reader.feed(stream);  // all three arrive in one read
  crdt::sync::ReadResult first = reader.next();
  REQUIRE(first.frame.has_value());
  CHECK(first.frame->kind == MessageKind::auth_ok);
  reader.set_key(key_from(5));
  const std::vector<Frame> rest = drain(reader);
  REQUIRE(rest.size() == 2);
  CHECK(rest[0] == Frame{MessageKind::deltas, {1, 2, 3}});
  CHECK(rest[1] == Frame{MessageKind::ack, {4}});
}

TEST_CASE("frame: the session MAC detects tampering, replay, loss, reordering and reflection",
          "[sync][frame][mac]") {
  const Key key = key_from(42);
  FrameWriter writer;
  writer.set_key(key);
  std::vector<Bytes> sent;
  for (std::uint8_t i = 0; i < 4; ++i) {
    sent.push_back(writer.encode(Frame{MessageKind::deltas, seeded_bytes(50, i)}));
  }
  auto keyed_reader = [&] {
    FrameReader reader;
    reader.set_key(key);
    return reader;
  };

  SECTION("in order, all frames are accepted") {
    FrameReader reader = keyed_reader();
    for (const Bytes& bytes : sent) reader.feed(bytes);
    CHECK(drain(reader).size() == sent.size());
  }
  SECTION("a flipped payload bit with a repaired checksum") {
    Bytes bad = sent[0];
    bad[10] ^= 0x04;
    const std::size_t payload_size = 50;
    Bytes fixed_crc(bad.begin(), bad.begin() + 5 + payload_size);
    crdt::sync::detail::put_u32(
        fixed_crc, crdt::sync::detail::frame_crc(bad[4], ByteView(bad).subspan(5, payload_size)));
    fixed_crc.insert(fixed_crc.end(), bad.end() - kMacSize, bad.end());
    FrameReader reader = keyed_reader();
    CHECK(first_error(reader, fixed_crc) == FrameError::bad_mac);
  }
  SECTION("a flipped payload bit without repair still fails the checksum") {
    Bytes bad = sent[0];
    bad[10] ^= 0x04;
    FrameReader reader = keyed_reader();
    CHECK(first_error(reader, bad) == FrameError::bad_checksum);
  }
  SECTION("a flipped MAC bit") {
    Bytes bad = sent[0];
    bad[bad.size() - 1 - GENERATE(0, 5, 31)] ^= 0x80;
    FrameReader reader = keyed_reader();
    CHECK(first_error(reader, bad) == FrameError::bad_mac);
  }
  SECTION("a replayed frame") {
    FrameReader reader = keyed_reader();
    reader.feed(sent[0]);
    reader.feed(sent[1]);
    CHECK(drain(reader).size() == 2);
    CHECK(first_error(reader, sent[1]) == FrameError::bad_mac);
  }
  SECTION("a dropped frame") {
    FrameReader reader = keyed_reader();
    reader.feed(sent[0]);
    CHECK(drain(reader).size() == 1);
    CHECK(first_error(reader, sent[2]) == FrameError::bad_mac);
  }
  SECTION("swapped frames") {
    FrameReader reader = keyed_reader();
    CHECK(first_error(reader, sent[1]) == FrameError::bad_mac);
  }
  SECTION("a frame reflected back to its sender (the other direction has another key)") {
    FrameReader reader;
    reader.set_key(key_from(43));
    CHECK(first_error(reader, sent[0]) == FrameError::bad_mac);
  }
  SECTION("a frame without a MAC where one is expected") {
    FrameWriter plain;
    FrameReader reader = keyed_reader();
    CHECK(first_error(reader, plain.encode(Frame{MessageKind::deltas, seeded_bytes(50, 0)})) ==
          FrameError::bad_checksum);
  }
}

TEST_CASE("frame: maximum sizes out of range are refused", "[sync][frame]") {
  CHECK_THROWS_AS(FrameReader(10), std::invalid_argument);
  CHECK_THROWS_AS(FrameWriter(10), std::invalid_argument);
  CHECK_THROWS_AS(FrameReader(std::size_t{1} << 33), std::invalid_argument);
  CHECK(crdt::sync::to_string(FrameError::bad_mac) == "bad_mac");
}
