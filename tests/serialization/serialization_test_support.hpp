// Helpers for the serialization tests: raw frames built by hand, and the checks every type gets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <crdt/serialization/checked_archive.hpp>
#include <crdt/serialization/codec.hpp>
#include <crdt/serialization/type_tag.hpp>

namespace crdt::serialization::testing {

using Bytes = std::vector<std::uint8_t>;

// The body alone, as the archive writes it.
template <class T>
Bytes body_of(const T& value) {
  Bytes out;
  CheckedOutputArchive ar(out);
  ar << value;
  return out;
}

// A frame with the given format byte and tag around `body`.
inline Bytes raw_frame(std::uint8_t format, const std::string& tag, const Bytes& body) {
  Bytes out;
  out.reserve(2 + tag.size() + body.size());
  out.push_back(format);
  out.push_back(static_cast<std::uint8_t>(tag.size()));
  for (const char c : tag) out.push_back(static_cast<std::uint8_t>(c));
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

// A frame of T around a hand-written body.
template <class T>
Bytes frame_of(const Bytes& body) {
  return raw_frame(kFormatVersion, TypeTag<T>::name(), body);
}

// The error decoding `bytes` as T gives; fails the test when it decodes.
template <class T>
DecodeError error_of(const Bytes& bytes) {
  const Decoded<T> decoded = decode<T>(bytes);
  REQUIRE_FALSE(decoded.has_value());
  return decoded.error();
}

// Encodes, decodes, compares; the decoded value re-encodes to the same bytes.
template <class T>
void check_round_trip(const T& value) {
  const Bytes bytes = encode(value);
  const Decoded<T> decoded = decode<T>(bytes);
  REQUIRE(decoded.has_value());
  CHECK(decoded.value() == value);
  CHECK(encode(decoded.value()) == bytes);
}

// Every strict prefix of the frame of `value` is refused as truncated, and one extra byte as
// trailing.
template <class T>
void check_cut_and_extended(const T& value) {
  Bytes bytes = encode(value);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    const Bytes prefix(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
    CHECK(error_of<T>(prefix) == DecodeError::truncated);
  }
  bytes.push_back(0);
  CHECK(error_of<T>(bytes) == DecodeError::trailing_bytes);
}

}  // namespace crdt::serialization::testing
