// Address: host:port of a node, as given on a command line or in NodeOptions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace crdt::sync {

// The host is a name or a literal address (IPv6 in brackets: "[::1]:7000").
struct Address {
  std::string host;
  std::uint16_t port = 0;

  // Parses "host:port"; nothing when malformed (no port, a port outside 1-65535 or 0 when
  // allow_any_port is false).
  static std::optional<Address> parse(std::string_view text, bool allow_any_port = false);
  std::string str() const;
  friend bool operator==(const Address&, const Address&) = default;
};

}  // namespace crdt::sync
