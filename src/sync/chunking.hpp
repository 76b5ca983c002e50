// Chunking: how a message too large for one frame travels as a series of `chunk` frames, and how
// the receiver puts it back together within fixed memory limits.
//
//   chunk payload := transfer_id index count total_size kind data
//   transfer_id   := varint u64, chosen by the sender, unique among its unfinished transfers
//   index         := varint u32, 0 .. count - 1, consecutive within a transfer
//   count         := varint u32, >= 1, the same in every chunk of a transfer
//   total_size    := varint u64, the reassembled payload's size, the same in every chunk
//   kind          := u8, the reassembled message's MessageKind (never chunk, never a handshake
//   kind) data          := the rest of the chunk payload; the data of all chunks, in index order,
//   is the
//                    reassembled payload (at least one byte per chunk unless total_size is 0)
//
// Chunks of different transfers may interleave; the chunks of one transfer arrive in index order
// (a connection is ordered, and the frame MAC already refuses reordering), so anything else is a
// protocol error, not something to wait out. Like a FrameReader, a Reassembler that saw one bad
// chunk stays failed: the connection must be closed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crdt/sync/bytes.hpp"
#include "frame.hpp"

namespace crdt::sync {

// The most bytes the chunk header can take, so data fits next to it.
inline constexpr std::size_t kMaxChunkHeaderSize = 32;

// Whether a payload of this size must be chunked for a writer accepting `max_payload` bytes.
constexpr bool needs_chunking(std::size_t payload_size, std::size_t max_payload) {
  return payload_size > max_payload;
}

// The `chunk` frames that carry `message` under `transfer_id`, each with a payload of at most
// `max_payload` bytes (FrameWriter::max_payload_size()). Throws std::invalid_argument when
// `max_payload` leaves no room for data or `message` is a chunk or handshake frame.
std::vector<Frame> split_into_chunks(const Frame& message, std::uint64_t transfer_id,
                                     std::size_t max_payload);

// A message larger than a store takes from a peer (persist::Options::max_remote_bytes) would be
// refused anyway. (The engine allows two transfers at once: an honest sender's chunks of one
// message come one after the other, its outbox being in order.)
struct ReassemblyLimits {
  std::size_t max_message_size = std::size_t{64} << 20;    // one reassembled payload
  std::size_t max_buffered_bytes = std::size_t{64} << 20;  // all unfinished transfers together
  std::size_t max_transfers = 4;                           // unfinished transfers at once
};

enum class ChunkError {
  malformed,           // the chunk payload does not parse, or contradicts its transfer
  too_large,           // a declared total size, or the buffered bytes, exceed the limits
  too_many_transfers,  // a new transfer while max_transfers are unfinished
};

std::string_view to_string(ChunkError error);

struct [[nodiscard]] ReassemblyResult {
  std::optional<Frame> message;  // a transfer completed: the reassembled message
  std::optional<ChunkError> error;

  // Neither: the chunk was taken and its transfer is still unfinished.
  bool need_more() const { return !message.has_value() && !error.has_value(); }
};

// Not thread safe: one per connection.
class Reassembler {
 public:
  explicit Reassembler(ReassemblyLimits limits = {});

  // Takes one `chunk` frame. A message comes back when its last chunk arrived; memory grows only
  // with data actually received, never with a declared size.
  ReassemblyResult add(const Frame& chunk);

  std::size_t transfers_in_progress() const { return transfers_.size(); }
  std::size_t buffered_bytes() const { return buffered_; }
  bool failed() const { return error_.has_value(); }
  std::optional<ChunkError> error() const { return error_; }
  const std::string& error_message() const { return error_message_; }

 private:
  struct Transfer {
    std::uint32_t count = 0;
    std::uint32_t next_index = 0;
    std::uint64_t total_size = 0;
    MessageKind kind = MessageKind::ping;
    Bytes data;
  };

  ReassemblyResult fail(ChunkError error, std::string message);

  ReassemblyLimits limits_;
  std::map<std::uint64_t, Transfer> transfers_;
  std::size_t buffered_ = 0;
  std::optional<ChunkError> error_;
  std::string error_message_;
};

}  // namespace crdt::sync
