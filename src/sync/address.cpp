// Address parsing is strict on purpose: addresses come from configuration and command lines, and a
// typo ("host:70000", "host:") must be refused here rather than become a surprising bind or
// connect.
#include "crdt/sync/address.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace crdt::sync {
namespace {

// Characters that never belong in a host name or a literal address; refusing them keeps a
// malformed host out of resolver calls and log lines.
bool valid_host_char(char c) {
  const auto byte = static_cast<unsigned char>(c);
  if (byte <= 0x20 || byte >= 0x7F) return false;
  return c != '[' && c != ']' && c != '/' && c != '@';
}

std::optional<std::uint16_t> parse_port(std::string_view digits, bool allow_any_port) {
  // Five digits at most, so the accumulator cannot overflow before the range check.
  if (digits.empty() || digits.size() > 5) return std::nullopt;
  std::uint32_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint32_t>(c - '0');
  }
  if (value > 65535) return std::nullopt;
  if (value == 0 && !allow_any_port) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

}  // namespace

std::optional<Address> Address::parse(std::string_view text, bool allow_any_port) {
  std::string_view host;
  std::string_view rest;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = text.substr(1, close - 1);
    rest = text.substr(close + 1);
    // Brackets exist only to carry the colons of an IPv6 literal.
    if (host.find(':') == std::string_view::npos) return std::nullopt;
    for (char c : host) {
      if (!valid_host_char(c)) return std::nullopt;
    }
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = text.substr(0, colon);
    rest = text.substr(colon);
    // An unbracketed IPv6 literal is ambiguous ("::1:7000"): refuse rather than guess.
    if (host.find(':') != std::string_view::npos) return std::nullopt;
    for (char c : host) {
      if (!valid_host_char(c)) return std::nullopt;
    }
  }
  if (host.empty() || rest.empty() || rest.front() != ':') return std::nullopt;
  const auto port = parse_port(rest.substr(1), allow_any_port);
  if (!port) return std::nullopt;
  return Address{std::string(host), *port};
}

std::string Address::str() const {
  const std::string port_text = std::to_string(port);
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + port_text;
  return host + ":" + port_text;
}

}  // namespace crdt::sync
