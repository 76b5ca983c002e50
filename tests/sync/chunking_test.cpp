#include "chunking.hpp"

#include <random>
#include <stdexcept>
#include <vector>

#include <catch2/catch.hpp>

#include "frame_reader.hpp"
#include "frame_writer.hpp"
#include "payload_codec.hpp"
#include "sync_test_support.hpp"

using crdt::sync::Bytes;
using crdt::sync::ByteView;
using crdt::sync::ChunkError;
using crdt::sync::Frame;
using crdt::sync::FrameReader;
using crdt::sync::FrameWriter;
using crdt::sync::MessageKind;
using crdt::sync::Reassembler;
using crdt::sync::ReassemblyLimits;
using crdt::sync::split_into_chunks;
using crdt::sync::test::seeded_bytes;

namespace {

// A chunk frame with an arbitrary header, for the cases a correct sender never produces.
Frame forged_chunk(std::uint64_t transfer, std::uint32_t index, std::uint32_t count,
                   std::uint64_t total, MessageKind kind, const Bytes& data) {
  Frame frame{MessageKind::chunk, crdt::sync::write_payload([&](crdt::sync::PayloadWriter& out) {
                out.write_varint(transfer);
                out.write_varint(index);
                out.write_varint(count);
                out.write_varint(total);
                out.write_byte(static_cast<std::uint8_t>(kind));
              })};
  frame.payload.insert(frame.payload.end(), data.begin(), data.end());
  return frame;
}

}  // namespace

TEST_CASE("chunking: a payload three times the frame size travels and reassembles exactly",
          "[sync][chunking]") {
  constexpr std::size_t kMaxFrame = 64 * 1024;
  FrameWriter writer(kMaxFrame);
  writer.set_key(crdt::sync::Key{1, 2, 3});
  FrameReader reader(kMaxFrame);
  reader.set_key(crdt::sync::Key{1, 2, 3});
  const Frame message{MessageKind::deltas, seeded_bytes(3 * kMaxFrame, 11)};
  REQUIRE(crdt::sync::needs_chunking(message.payload.size(), writer.max_payload_size()));

  const std::vector<Frame> chunks = split_into_chunks(message, 7, writer.max_payload_size());
  CHECK(chunks.size() == 4);
  Bytes stream;
  for (const Frame& chunk : chunks) writer.encode_to(chunk, stream);

  Reassembler reassembler;
  std::vector<Frame> out;
  std::mt19937 random(5);
  std::size_t position = 0;
  while (position < stream.size()) {
    const std::size_t size = std::min<std::size_t>(stream.size() - position, random() % 9000);
    reader.feed(ByteView(stream).subspan(position, size));
    position += size;
    for (;;) {
      crdt::sync::ReadResult read = reader.next();
      REQUIRE_FALSE(read.error.has_value());
      if (read.need_more()) break;
      crdt::sync::ReassemblyResult result = reassembler.add(*read.frame);
      REQUIRE_FALSE(result.error.has_value());
      if (result.message) out.push_back(std::move(*result.message));
    }
  }
  REQUIRE(out.size() == 1);
  CHECK(out[0] == message);
  CHECK(reassembler.transfers_in_progress() == 0);
  CHECK(reassembler.buffered_bytes() == 0);
}

TEST_CASE("chunking: interleaved transfers and an empty payload", "[sync][chunking]") {
  const Frame a{MessageKind::digest, seeded_bytes(1000, 1)};
  const Frame b{MessageKind::deltas, seeded_bytes(700, 2)};
  const Frame empty{MessageKind::status, {}};
  const std::vector<Frame> chunks_a = split_into_chunks(a, 1, 100);
  const std::vector<Frame> chunks_b = split_into_chunks(b, 2, 100);
  const std::vector<Frame> chunks_empty = split_into_chunks(empty, 3, 100);
  REQUIRE(chunks_empty.size() == 1);
  for (const Frame& chunk : chunks_a) CHECK(chunk.payload.size() <= 100);

  Reassembler reassembler;
  std::vector<Frame> out;
  auto add = [&](const Frame& chunk) {
    crdt::sync::ReassemblyResult result = reassembler.add(chunk);
    REQUIRE_FALSE(result.error.has_value());
    if (result.message) out.push_back(std::move(*result.message));
  };
  for (std::size_t i = 0; i < std::max(chunks_a.size(), chunks_b.size()); ++i) {
    if (i < chunks_a.size()) add(chunks_a[i]);
    if (i < chunks_b.size()) add(chunks_b[i]);
    if (i == 1) add(chunks_empty[0]);
  }
  REQUIRE(out.size() == 3);
  CHECK(out[0] == empty);
  CHECK(out[1] == b);
  CHECK(out[2] == a);
}

TEST_CASE("chunking: limits and protocol errors are enforced", "[sync][chunking]") {
  const Frame message{MessageKind::deltas, seeded_bytes(1000, 3)};
  const std::vector<Frame> chunks = split_into_chunks(message, 9, 132);  // 100 data bytes each
  REQUIRE(chunks.size() == 10);

  SECTION("a declared size above the message limit is refused at the first chunk") {
    Reassembler reassembler(ReassemblyLimits{999, 1 << 20, 4});
    CHECK(reassembler.add(chunks[0]).error == ChunkError::too_large);
    CHECK(reassembler.buffered_bytes() == 0);
  }
  SECTION("a huge declared size allocates nothing and is refused") {
    Reassembler reassembler;
    const Frame chunk =
        forged_chunk(1, 0, 2, std::uint64_t{1} << 62, MessageKind::deltas, Bytes(10, 0));
    CHECK(reassembler.add(chunk).error == ChunkError::too_large);
  }
  SECTION("too many unfinished transfers") {
    Reassembler reassembler(ReassemblyLimits{1 << 20, 1 << 20, 2});
    CHECK(reassembler.add(split_into_chunks(message, 1, 132)[0]).need_more());
    CHECK(reassembler.add(split_into_chunks(message, 2, 132)[0]).need_more());
    CHECK(reassembler.add(split_into_chunks(message, 3, 132)[0]).error ==
          ChunkError::too_many_transfers);
  }
  SECTION("buffered bytes across transfers") {
    Reassembler reassembler(ReassemblyLimits{1000, 1500, 4});
    const std::vector<Frame> first = split_into_chunks(message, 1, 132);
    const std::vector<Frame> second = split_into_chunks(message, 2, 132);
    for (const Frame& chunk : std::vector<Frame>(first.begin(), first.end() - 1)) {
      CHECK(reassembler.add(chunk).need_more());
    }
    CHECK(reassembler.buffered_bytes() == 900);
    for (std::size_t i = 0; i < 6; ++i) CHECK(reassembler.add(second[i]).need_more());
    CHECK(reassembler.add(second[6]).error == ChunkError::too_large);
  }
  SECTION("a skipped chunk") {
    Reassembler reassembler;
    CHECK(reassembler.add(chunks[0]).need_more());
    CHECK(reassembler.add(chunks[2]).error == ChunkError::malformed);
  }
  SECTION("a repeated chunk") {
    Reassembler reassembler;
    CHECK(reassembler.add(chunks[0]).need_more());
    CHECK(reassembler.add(chunks[0]).error == ChunkError::malformed);
  }
  SECTION("a chunk of a transfer that never started") {
    Reassembler reassembler;
    CHECK(reassembler.add(chunks[1]).error == ChunkError::malformed);
  }
  SECTION("more data than declared") {
    Reassembler reassembler;
    CHECK(reassembler.add(forged_chunk(1, 0, 1, 5, MessageKind::deltas, Bytes(6, 0))).error ==
          ChunkError::malformed);
  }
  SECTION("less data than declared in the last chunk") {
    Reassembler reassembler;
    CHECK(reassembler.add(forged_chunk(1, 0, 1, 5, MessageKind::deltas, Bytes(4, 0))).error ==
          ChunkError::malformed);
  }
  SECTION("a chunk that changes the transfer's declared size") {
    Reassembler reassembler;
    CHECK(reassembler.add(forged_chunk(1, 0, 2, 10, MessageKind::deltas, Bytes(5, 0))).need_more());
    CHECK(reassembler.add(forged_chunk(1, 1, 2, 11, MessageKind::deltas, Bytes(5, 0))).error ==
          ChunkError::malformed);
  }
  SECTION("a chunk that carries a handshake message or another chunk") {
    Reassembler reassembler;
    const MessageKind kind = GENERATE(MessageKind::hello, MessageKind::auth, MessageKind::chunk);
    CHECK(reassembler.add(forged_chunk(1, 0, 1, 1, kind, Bytes(1, 0))).error ==
          ChunkError::malformed);
  }
  SECTION("a truncated chunk header") {
    Reassembler reassembler;
    CHECK(reassembler.add(Frame{MessageKind::chunk, {0x01, 0x00}}).error == ChunkError::malformed);
  }
  SECTION("a failed reassembler stays failed and drops what it held") {
    Reassembler reassembler;
    CHECK(reassembler.add(chunks[0]).need_more());
    CHECK(reassembler.add(chunks[5]).error == ChunkError::malformed);
    CHECK(reassembler.buffered_bytes() == 0);
    CHECK(reassembler.add(split_into_chunks(message, 50, 2000)[0]).error == ChunkError::malformed);
    CHECK(reassembler.failed());
    CHECK_FALSE(reassembler.error_message().empty());
  }
}

TEST_CASE("chunking: the splitter refuses what cannot be chunked", "[sync][chunking]") {
  CHECK_THROWS_AS(split_into_chunks(Frame{MessageKind::hello, {}}, 1, 1000), std::invalid_argument);
  CHECK_THROWS_AS(split_into_chunks(Frame{MessageKind::chunk, {}}, 1, 1000), std::invalid_argument);
  CHECK_THROWS_AS(split_into_chunks(Frame{MessageKind::deltas, {1}}, 1, 32), std::invalid_argument);
}
