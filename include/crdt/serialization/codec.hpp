// encode<T> / decode<T>: the framed form of a serializable value, the one every stored row and
// every sent payload uses.
//
// Frame:
//   frame  := format type body
//   format := 1 byte, kFormatVersion (2); a reader refuses any other value
//   type   := count byte*count, TypeTag<T>::name() in ASCII ("orset<string>", "pncounter", ...)
//   body   := the value, as CheckedOutputArchive writes it (checked_archive.hpp, causal.hpp and
//             the per-type headers give the grammar); nothing may follow it
// The format byte versions everything below it: a change to any encoding bumps it.
//
// decode<T> never throws and never crashes on any input. It checks, in order: the size limit
// (before reading anything), the format byte, the type tag, then the body; every count inside is
// checked against the bytes left before anything is allocated, the decoded state must be
// well_formed(), and the body must end exactly at the end of the input. Every exception from the
// archive, Boost or the allocator becomes a DecodeError. An error's message lives in a fixed
// buffer, so reporting a failure allocates nothing.
#pragma once

#include <algorithm>
#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <initializer_list>
#include <new>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crdt/serialization/checked_archive.hpp"
#include "crdt/serialization/decode_error.hpp"
#include "crdt/serialization/serializable.hpp"
#include "crdt/serialization/type_tag.hpp"

namespace crdt::serialization {

inline constexpr std::uint8_t kFormatVersion = 2;
inline constexpr std::size_t kDefaultMaxBytes = std::size_t{64} << 20;

// Thrown by Decoded::value() on an error and by Decoded::error() on a value: a caller bug.
class BadDecodedAccess : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

// The result of decode: a value or an error with a message.
template <class T>
class [[nodiscard]] Decoded {
 public:
  explicit Decoded(T value) : value_(std::move(value)) {}

  static Decoded failure(DecodeError error,
                         std::initializer_list<std::string_view> parts) noexcept {
    Decoded out(error);
    std::size_t length = 0;
    for (std::string_view part : parts) {
      const std::size_t n = std::min(part.size(), out.message_.size() - 1 - length);
      std::copy_n(part.data(), n, out.message_.data() + length);
      length += n;
    }
    out.message_length_ = length;
    return out;
  }

  bool has_value() const noexcept { return value_.has_value(); }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & {
    check_value();
    return *value_;
  }
  const T& value() const& {
    check_value();
    return *value_;
  }
  T&& value() && {
    check_value();
    return std::move(*value_);
  }

  DecodeError error() const {
    if (has_value()) throw BadDecodedAccess("crdt::serialization::Decoded holds a value");
    return error_;
  }

  // Empty when the result holds a value.
  std::string_view message() const noexcept { return {message_.data(), message_length_}; }

 private:
  explicit Decoded(DecodeError error) noexcept : error_(error) {}

  void check_value() const {
    if (!has_value()) {
      throw BadDecodedAccess("crdt::serialization::Decoded holds an error: " +
                             std::string(message()));
    }
  }

  std::optional<T> value_;
  DecodeError error_ = DecodeError::malformed;
  std::array<char, 192> message_{};
  std::size_t message_length_ = 0;
};

namespace detail {

// Decimal digits of `n` in a small buffer, for error messages built without allocating.
class Digits {
 public:
  explicit Digits(std::uint64_t n) noexcept {
    length_ = static_cast<std::size_t>(
        std::to_chars(text_.data(), text_.data() + text_.size(), n).ptr - text_.data());
  }
  std::string_view view() const noexcept { return {text_.data(), length_}; }

 private:
  std::array<char, 24> text_{};
  std::size_t length_ = 0;
};

// Reads and checks the type tag; returns normally only when it equals `expected`.
inline void expect_type(CheckedInputArchive& in, std::string_view expected) {
  const std::uint64_t length = in.read_varint();
  if (length != expected.size()) in.fail(DecodeError::wrong_type, "type tag of another type");
  if (length > in.remaining()) in.fail(DecodeError::truncated, "input ends inside the type tag");
  for (char c : expected) {
    if (in.read_byte() != static_cast<std::uint8_t>(c)) {
      in.fail(DecodeError::wrong_type, "type tag of another type");
    }
  }
}

template <class T, class Body>
Decoded<T> guarded_decode(std::span<const std::uint8_t> bytes, std::size_t max_bytes,
                          Body&& body) noexcept {
  if (bytes.size() > max_bytes) {
    const Digits size(bytes.size());
    const Digits limit(max_bytes);
    return Decoded<T>::failure(
        DecodeError::too_large,
        {"input of ", size.view(), " bytes exceeds the limit of ", limit.view()});
  }
  try {
    CheckedInputArchive in(bytes);
    if (bytes.empty()) return Decoded<T>::failure(DecodeError::truncated, {"empty input"});
    const std::uint8_t format = in.read_byte();
    if (format != kFormatVersion) {
      const Digits number(format);
      return Decoded<T>::failure(DecodeError::unsupported_version,
                                 {"unsupported format version ", number.view()});
    }
    return body(in);
  } catch (const DecodeFailure& failure) {
    return Decoded<T>::failure(failure.code(), {failure.what()});
  } catch (const std::bad_alloc&) {
    return Decoded<T>::failure(DecodeError::too_large, {"out of memory while decoding"});
  } catch (const std::exception& e) {
    return Decoded<T>::failure(DecodeError::malformed, {e.what()});
  } catch (...) {
    return Decoded<T>::failure(DecodeError::malformed, {"unknown exception while decoding"});
  }
}

}  // namespace detail

// Appends the frame of `value` to `out`. Throws std::bad_alloc when memory runs out.
template <Serializable T>
void encode_to(const T& value, std::vector<std::uint8_t>& out) {
  CheckedOutputArchive ar(out);
  ar << kFormatVersion << TypeTag<T>::name() << value;
}

// The frame of `value`.
template <Serializable T>
std::vector<std::uint8_t> encode(const T& value) {
  std::vector<std::uint8_t> out;
  encode_to(value, out);
  return out;
}

// Decodes a frame of T; inputs longer than `max_bytes` are refused unread.
template <Serializable T>
Decoded<T> decode(std::span<const std::uint8_t> bytes,
                  std::size_t max_bytes = kDefaultMaxBytes) noexcept {
  return detail::guarded_decode<T>(bytes, max_bytes, [](CheckedInputArchive& in) -> Decoded<T> {
    detail::expect_type(in, TypeTag<T>::name());
    T value{};
    in >> value;
    if (!in.at_end()) {
      const detail::Digits extra(in.remaining());
      return Decoded<T>::failure(DecodeError::trailing_bytes,
                                 {extra.view(), " bytes follow the value"});
    }
    return Decoded<T>(std::move(value));
  });
}

// What a frame says about itself, without decoding the body: for callers that dispatch on type.
struct FrameHeader {
  std::uint8_t format = 0;
  std::string type;
  std::size_t body_offset = 0;  // where the body starts
};

inline Decoded<FrameHeader> decode_header(std::span<const std::uint8_t> bytes,
                                          std::size_t max_bytes = kDefaultMaxBytes) noexcept {
  return detail::guarded_decode<FrameHeader>(bytes, max_bytes,
                                             [](CheckedInputArchive& in) -> Decoded<FrameHeader> {
                                               FrameHeader header;
                                               header.format = kFormatVersion;
                                               in >> header.type;
                                               header.body_offset = in.position();
                                               return Decoded<FrameHeader>(std::move(header));
                                             });
}

}  // namespace crdt::serialization
