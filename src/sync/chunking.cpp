#include "chunking.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "payload_codec.hpp"

namespace crdt::sync {
namespace {

struct ChunkHeader {
  std::uint64_t transfer_id = 0;
  std::uint32_t index = 0;
  std::uint32_t count = 0;
  std::uint64_t total_size = 0;
  std::uint8_t kind = 0;
};

bool can_be_chunked(MessageKind kind) {
  return kind != MessageKind::chunk && !is_handshake_kind(kind);
}

}  // namespace

std::string_view to_string(ChunkError error) {
  switch (error) {
    case ChunkError::malformed:
      return "malformed";
    case ChunkError::too_large:
      return "too_large";
    case ChunkError::too_many_transfers:
      return "too_many_transfers";
  }
  return "unknown";
}

std::vector<Frame> split_into_chunks(const Frame& message, std::uint64_t transfer_id,
                                     std::size_t max_payload) {
  if (!can_be_chunked(message.kind)) {
    throw std::invalid_argument("crdt::sync: a chunk or handshake message cannot be chunked");
  }
  if (max_payload <= kMaxChunkHeaderSize) {
    throw std::invalid_argument("crdt::sync: no room for chunk data");
  }
  const std::size_t per_chunk = max_payload - kMaxChunkHeaderSize;
  const std::size_t total = message.payload.size();
  const std::size_t count = std::max<std::size_t>(1, (total + per_chunk - 1) / per_chunk);
  if (count > 0xFFFFFFFFu) throw std::invalid_argument("crdt::sync: too many chunks");

  std::vector<Frame> chunks;
  chunks.reserve(count);
  for (std::size_t index = 0; index < count; ++index) {
    const std::size_t begin = index * per_chunk;
    const std::size_t end = std::min(total, begin + per_chunk);
    Frame chunk{MessageKind::chunk, {}};
    chunk.payload.reserve(kMaxChunkHeaderSize + (end - begin));
    PayloadWriter writer(chunk.payload);
    writer.write_varint(transfer_id);
    writer.write_varint(index);
    writer.write_varint(count);
    writer.write_varint(total);
    writer.write_byte(static_cast<std::uint8_t>(message.kind));
    chunk.payload.insert(chunk.payload.end(),
                         message.payload.begin() + static_cast<std::ptrdiff_t>(begin),
                         message.payload.begin() + static_cast<std::ptrdiff_t>(end));
    chunks.push_back(std::move(chunk));
  }
  return chunks;
}

Reassembler::Reassembler(ReassemblyLimits limits) : limits_(limits) {}

ReassemblyResult Reassembler::fail(ChunkError error, std::string message) {
  error_ = error;
  error_message_ = std::move(message);
  transfers_.clear();
  buffered_ = 0;
  return ReassemblyResult{std::nullopt, error_};
}

ReassemblyResult Reassembler::add(const Frame& chunk) {
  if (error_) return ReassemblyResult{std::nullopt, error_};
  if (chunk.kind != MessageKind::chunk) {
    return fail(ChunkError::malformed,
                "a " + std::string(to_string(chunk.kind)) + " frame is not a chunk");
  }
  // Only the header goes through the archive; the data is used in place, copied once.
  ChunkHeader header;
  std::size_t header_size = 0;
  const std::optional<PayloadError> error = read_payload_prefix(
      chunk.payload,
      [&](PayloadReader& in) {
        header.transfer_id = in.read_varint();
        in >> header.index >> header.count;
        header.total_size = in.read_varint();
        header.kind = in.read_byte();
      },
      header_size);
  const ByteView data = ByteView(chunk.payload).subspan(header_size);
  if (error) return fail(ChunkError::malformed, "chunk header: " + error->message);

  const std::string where = "chunk " + std::to_string(header.index) + " of transfer " +
                            std::to_string(header.transfer_id);
  auto it = transfers_.find(header.transfer_id);
  if (it == transfers_.end()) {
    if (header.index != 0) return fail(ChunkError::malformed, where + ": transfer never started");
    const std::optional<MessageKind> kind = message_kind_from_byte(header.kind);
    if (!kind || !can_be_chunked(*kind)) {
      return fail(ChunkError::malformed,
                  where + ": kind " + std::to_string(header.kind) + " cannot be chunked");
    }
    if (header.count == 0 || (header.total_size > 0 && header.count > header.total_size) ||
        (header.total_size == 0 && header.count != 1)) {
      return fail(ChunkError::malformed, where + ": count " + std::to_string(header.count) +
                                             " does not fit total size " +
                                             std::to_string(header.total_size));
    }
    if (header.total_size > limits_.max_message_size) {
      return fail(ChunkError::too_large,
                  where + ": declared size " + std::to_string(header.total_size) +
                      " exceeds the limit of " + std::to_string(limits_.max_message_size));
    }
    if (transfers_.size() >= limits_.max_transfers) {
      return fail(
          ChunkError::too_many_transfers,
          where + ": already " + std::to_string(transfers_.size()) + " unfinished transfers");
    }
    Transfer transfer;
    transfer.count = header.count;
    transfer.total_size = header.total_size;
    transfer.kind = *kind;
    it = transfers_.emplace(header.transfer_id, std::move(transfer)).first;
  }

  Transfer& transfer = it->second;
  if (header.index != transfer.next_index || header.count != transfer.count ||
      header.total_size != transfer.total_size ||
      header.kind != static_cast<std::uint8_t>(transfer.kind)) {
    return fail(ChunkError::malformed, where + ": out of order or inconsistent with the transfer");
  }
  const std::uint64_t left = transfer.total_size - transfer.data.size();
  const bool last = header.index + 1 == transfer.count;
  if (data.size() > left || (data.empty() && transfer.total_size > 0) ||
      (last && data.size() != left)) {
    return fail(ChunkError::malformed, where + ": " + std::to_string(data.size()) +
                                           " data bytes do not fit the declared total size");
  }
  if (data.size() > limits_.max_buffered_bytes - buffered_) {
    return fail(ChunkError::too_large, where + ": unfinished transfers would buffer more than " +
                                           std::to_string(limits_.max_buffered_bytes) + " bytes");
  }
  transfer.data.insert(transfer.data.end(), data.begin(), data.end());
  buffered_ += data.size();
  ++transfer.next_index;
  if (!last) return {};

  ReassemblyResult result;
  result.message = Frame{transfer.kind, std::move(transfer.data)};
  buffered_ -= result.message->payload.size();
  transfers_.erase(it);
  return result;
}

}  // namespace crdt::sync
