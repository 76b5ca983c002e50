// ReplicaId: the identity of one incarnation of a replica.
//
// A replica id is 64 random bits drawn from the operating system's entropy source, so two devices
// (or two restores of one backup) never pick the same id by accident. Zero is reserved for "no
// replica". A human-readable name is a label stored next to the id, never a substitute for it:
// dots are issued under the id, and a dot must never be issued twice with different content.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <random>
#include <string>

namespace crdt {

class SerializationAccess;

class ReplicaId {
 public:
  constexpr ReplicaId() = default;
  constexpr explicit ReplicaId(std::uint64_t value) : value_(value) {}

  // A fresh id from std::random_device (getrandom on Linux); never zero.
  static ReplicaId random() {
    std::random_device device;
    for (;;) {
      const std::uint64_t high = device();
      const std::uint64_t low = device();
      const std::uint64_t value = (high << 32) ^ low;
      if (value != 0) return ReplicaId(value);
    }
  }

  constexpr std::uint64_t value() const { return value_; }
  constexpr bool valid() const { return value_ != 0; }

  // Sixteen lowercase hex digits, the form used in logs, JSON and the command line.
  std::string to_string() const {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string text(16, '0');
    for (int i = 15, shift = 0; i >= 0; --i, shift += 4) {
      text[static_cast<std::size_t>(i)] = kDigits[(value_ >> shift) & 0xF];
    }
    return text;
  }

  friend constexpr auto operator<=>(ReplicaId, ReplicaId) = default;

 private:
  friend class SerializationAccess;
  std::uint64_t value_ = 0;
};

}  // namespace crdt

template <>
struct std::hash<crdt::ReplicaId> {
  std::size_t operator()(crdt::ReplicaId id) const noexcept {
    return std::hash<std::uint64_t>{}(id.value());
  }
};
