// Why decoding failed, as a value (DecodeError) and as the one exception type the archive and the
// serializers throw internally (DecodeFailure). `decode` in codec.hpp catches every exception and
// turns it into a DecodeError, so nothing a peer sends can throw through a caller.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace crdt::serialization {

enum class DecodeError {
  truncated,            // the input ends before the content it declares
  malformed,            // the bytes are not a valid encoding, or the decoded state is ill-formed
  unsupported_version,  // the format byte names a version this build cannot read
  wrong_type,           // the type tag names another type
  trailing_bytes,       // a complete value is followed by more bytes
  too_large,            // the input exceeds the size limit, or memory ran out
};

constexpr std::string_view to_string(DecodeError error) {
  switch (error) {
    case DecodeError::truncated:
      return "truncated";
    case DecodeError::malformed:
      return "malformed";
    case DecodeError::unsupported_version:
      return "unsupported_version";
    case DecodeError::wrong_type:
      return "wrong_type";
    case DecodeError::trailing_bytes:
      return "trailing_bytes";
    case DecodeError::too_large:
      return "too_large";
  }
  return "unknown";
}

// Thrown while loading; `offset` is the byte position where the problem was found.
class DecodeFailure : public std::runtime_error {
 public:
  DecodeFailure(DecodeError code, std::size_t offset, const std::string& what)
      : std::runtime_error(what), code_(code), offset_(offset) {}

  DecodeError code() const { return code_; }
  std::size_t offset() const { return offset_; }

 private:
  DecodeError code_;
  std::size_t offset_;
};

}  // namespace crdt::serialization
