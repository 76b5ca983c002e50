// Reading and writing message payloads with the project's checked archive
// (crdt/serialization/checked_archive.hpp): varints, fixed-width ids and length-prefixed byte
// strings, every count and length checked against the bytes left before anything is allocated.
//
// read_payload() and read_payload_prefix() never throw: whatever goes wrong while the reader
// callback runs (truncated input, a malformed varint, a limit exceeded, memory exhausted) comes
// back as a PayloadError, and bytes left over after the callback returned are an error too, so a
// payload has exactly one meaning.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <new>
#include <optional>
#include <string>
#include <utility>

#include "crdt/serialization/checked_archive.hpp"
#include "crdt/serialization/decode_error.hpp"
#include "crdt/sync/bytes.hpp"

namespace crdt::sync {

using PayloadWriter = serialization::CheckedOutputArchive;
using PayloadReader = serialization::CheckedInputArchive;

struct PayloadError {
  serialization::DecodeError code = serialization::DecodeError::malformed;
  std::string message;
};

// Runs `write(PayloadWriter&)` and returns the bytes it wrote.
template <class Write>
Bytes write_payload(Write&& write) {
  Bytes out;
  PayloadWriter writer(out);
  std::forward<Write>(write)(writer);
  return out;
}

// Runs `read(PayloadReader&)` over the start of `payload`; nothing on success, the reason
// otherwise. `consumed` receives the bytes read, so a caller can treat the rest as raw data
// without copying it.
template <class Read>
[[nodiscard]] std::optional<PayloadError> read_payload_prefix(ByteView payload, Read&& read,
                                                              std::size_t& consumed) noexcept {
  consumed = 0;
  try {
    PayloadReader reader(payload);
    std::forward<Read>(read)(reader);
    consumed = reader.position();
    return std::nullopt;
  } catch (const serialization::DecodeFailure& failure) {
    return PayloadError{failure.code(), failure.what()};
  } catch (const std::bad_alloc&) {
    return PayloadError{serialization::DecodeError::too_large, "out of memory"};
  } catch (const std::exception& other) {
    return PayloadError{serialization::DecodeError::malformed, other.what()};
  } catch (...) {
    return PayloadError{serialization::DecodeError::malformed, "unknown failure"};
  }
}

// Runs `read(PayloadReader&)` over `payload`, which it must consume exactly; nothing on success,
// the reason otherwise.
template <class Read>
[[nodiscard]] std::optional<PayloadError> read_payload(ByteView payload, Read&& read) noexcept {
  std::size_t consumed = 0;
  if (auto error = read_payload_prefix(payload, std::forward<Read>(read), consumed)) return error;
  if (consumed != payload.size()) {
    return PayloadError{serialization::DecodeError::trailing_bytes,
                        std::to_string(payload.size() - consumed) + " bytes after the payload"};
  }
  return std::nullopt;
}

// A length-prefixed byte string of at most `max_size` bytes; the limit is checked before the
// string is allocated.
inline Bytes read_bytes(PayloadReader& reader, std::size_t max_size) {
  const std::size_t size = reader.read_count();
  if (size > max_size) {
    reader.fail(serialization::DecodeError::too_large, "byte string of " + std::to_string(size) +
                                                           " exceeds the limit of " +
                                                           std::to_string(max_size));
  }
  Bytes out(size);
  reader.load_binary(out.data(), size);
  return out;
}

inline std::string read_string(PayloadReader& reader, std::size_t max_size) {
  const Bytes bytes = read_bytes(reader, max_size);
  return std::string(bytes.begin(), bytes.end());
}

inline void write_bytes(PayloadWriter& writer, ByteView bytes) {
  writer.write_varint(bytes.size());
  writer.save_binary(bytes.data(), bytes.size());
}

}  // namespace crdt::sync
