// The messages of the sync protocol proper (after the handshake), and their payload formats.
//
//   sync_start   := mode u8 (1 replica, 2 observer) | prefixes: count, string* | label string
//   deltas       := encoding u8 (0 raw, 1 DEFLATE) | raw: body | DEFLATE: size varint | zlib(body)
//     body       := number varint | from varint | to varint | count | item*
//     item       := document string | type string | delta bytes (an encode<T> frame)
//   ack          := number varint | to varint
//   digest       := round varint | count | node*
//     node       := depth u8 | prefix u64 LE | documents varint | hash u64 LE
//   digest_reply := round varint | count | result*
//     result     := depth u8 | prefix u64 LE | verdict u8 (0 equal, 1 split, 2 listed)
//                   | split: 16 x (documents varint | hash u64 LE)
//                   | listed: count | (document string | type string | context bytes)*
//   caught_up    := head varint
//   status       := JSON text        status_request, ping, pong := empty
//
// A `deltas` message with number n carries the sender's log entries in (from, to], joined per
// document; to = 0 marks a repair message (answers to a digest, outside the log). Strings and
// byte strings are a varint length and the bytes. Decoding checks every count and length against
// the limits before allocating and never throws: errors come back as PayloadError.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "crdt/sync/bytes.hpp"
#include "crdt/sync/limits.hpp"
#include "frame.hpp"
#include "payload_codec.hpp"

namespace crdt::sync {

// Bodies of at least this many bytes are sent compressed when that gains.
inline constexpr std::size_t kDeflateThreshold = 512;

struct SyncStart {
  enum class Mode : std::uint8_t { replica = 1, observer = 2 };
  Mode mode = Mode::replica;
  std::vector<std::string> prefixes;  // the documents this side wants; empty means all
  std::string label;
  friend bool operator==(const SyncStart&, const SyncStart&) = default;
};

struct DeltaItem {
  std::string document;
  std::string type;
  Bytes delta;
  friend bool operator==(const DeltaItem&, const DeltaItem&) = default;
};

struct DeltasMessage {
  std::uint64_t number = 0;
  std::uint64_t from = 0;
  std::uint64_t to = 0;  // 0: a repair message
  std::vector<DeltaItem> items;
  friend bool operator==(const DeltasMessage&, const DeltasMessage&) = default;
};

struct AckMessage {
  std::uint64_t number = 0;
  std::uint64_t to = 0;
  friend bool operator==(const AckMessage&, const AckMessage&) = default;
};

// A node of the digest tree: the documents whose id hash starts with the `depth` nibbles of
// `prefix` (the high bits), summarized by how many there are and the sum of their hashes.
struct DigestSummary {
  std::uint64_t documents = 0;
  std::uint64_t hash = 0;
  friend bool operator==(const DigestSummary&, const DigestSummary&) = default;
};

struct DigestNode {
  std::uint8_t depth = 0;
  std::uint64_t prefix = 0;
  DigestSummary summary;
  friend bool operator==(const DigestNode&, const DigestNode&) = default;
};

struct DigestMessage {
  std::uint64_t round = 0;
  std::vector<DigestNode> nodes;
  friend bool operator==(const DigestMessage&, const DigestMessage&) = default;
};

struct ListedDocument {
  std::string document;
  std::string type;
  Bytes context;  // encode<VersionVector>
  friend bool operator==(const ListedDocument&, const ListedDocument&) = default;
};

inline constexpr std::size_t kDigestFanout = 16;

struct DigestResult {
  enum class Verdict : std::uint8_t { equal = 0, split = 1, listed = 2 };
  std::uint8_t depth = 0;
  std::uint64_t prefix = 0;
  Verdict verdict = Verdict::equal;
  std::array<DigestSummary, kDigestFanout> children{};  // split
  std::vector<ListedDocument> listed;                   // listed
  friend bool operator==(const DigestResult&, const DigestResult&) = default;
};

struct DigestReply {
  std::uint64_t round = 0;
  std::vector<DigestResult> results;
  friend bool operator==(const DigestReply&, const DigestReply&) = default;
};

struct CaughtUp {
  std::uint64_t head = 0;
  friend bool operator==(const CaughtUp&, const CaughtUp&) = default;
};

Frame to_frame(const SyncStart& message);
Frame to_frame(const DeltasMessage& message);
Frame to_frame(const AckMessage& message);
Frame to_frame(const DigestMessage& message);
Frame to_frame(const DigestReply& message);
Frame to_frame(const CaughtUp& message);

// Each parses the payload of its kind; the reason on failure.
std::optional<PayloadError> parse(ByteView payload, SyncStart& out, const MessageLimits& limits);
std::optional<PayloadError> parse(ByteView payload, DeltasMessage& out,
                                  const MessageLimits& limits);
std::optional<PayloadError> parse(ByteView payload, AckMessage& out, const MessageLimits& limits);
std::optional<PayloadError> parse(ByteView payload, DigestMessage& out,
                                  const MessageLimits& limits);
std::optional<PayloadError> parse(ByteView payload, DigestReply& out, const MessageLimits& limits);
std::optional<PayloadError> parse(ByteView payload, CaughtUp& out, const MessageLimits& limits);

}  // namespace crdt::sync
