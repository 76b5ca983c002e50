#include "arguments.hpp"

#include <charconv>
#include <string>

#include <crdt/text/utf8.hpp>

#include "command_context.hpp"

namespace crdt::cli {

namespace {

std::string quoted(std::string_view text) {
  // The value goes into an error line; keep it to one line and valid UTF-8.
  std::string out = "'";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    out += (byte < 0x20 || byte >= 0x7F) ? '?' : c;
  }
  return out + "'";
}

}  // namespace

std::uint64_t parse_unsigned(std::string_view name, std::string_view text, std::uint64_t min,
                             std::uint64_t max) {
  // from_chars alone would accept a prefix ("5x") and, for signed types, a sign.
  if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos) {
    throw UsageError(std::string(name) + " must be " + (min > 0 ? "a positive" : "a non-negative") +
                     " integer, not " + quoted(text));
  }
  std::uint64_t value = 0;
  const auto [ptr, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error == std::errc::result_out_of_range || value > max) {
    throw UsageError(std::string(name) + " must be at most " + std::to_string(max) + ", not " +
                     quoted(text));
  }
  if (value < min) {
    throw UsageError(std::string(name) + " must be at least " + std::to_string(min) + ", not " +
                     quoted(text));
  }
  return value;
}

ReplicaId parse_replica_id(std::string_view name, std::string_view text) {
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  const bool hex_only = !text.empty() && text.size() <= 16 &&
                        text.find_first_not_of("0123456789abcdefABCDEF") == std::string_view::npos;
  const auto [ptr, error] = std::from_chars(text.data(), end, value, 16);
  if (!hex_only || error != std::errc{} || ptr != end || value == 0) {
    throw UsageError(std::string(name) +
                     " must be a replica id (1 to 16 hex digits, not zero), not " + quoted(text));
  }
  return ReplicaId(value);
}

void require_utf8(std::string_view name, std::string_view text, bool allow_empty) {
  if (!allow_empty && text.empty()) throw UsageError(std::string(name) + " must not be empty");
  if (!utf8::valid(text)) throw UsageError(std::string(name) + " is not valid UTF-8");
}

}  // namespace crdt::cli
