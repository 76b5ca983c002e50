// Arguments: checks and conversions of the command line's positional values, done before a
// command opens its store. Every failure throws UsageError naming the argument.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <crdt/causal/replica_id.hpp>

namespace crdt::cli {

// A decimal integer in [min, max]: digits only (no sign, spaces or suffix), so "-5", "+5", "5x"
// and "" are refused.
std::uint64_t parse_unsigned(std::string_view name, std::string_view text, std::uint64_t min,
                             std::uint64_t max = UINT64_MAX);

// An amount: a decimal integer >= 1.
inline std::uint64_t parse_amount(std::string_view name, std::string_view text,
                                  std::uint64_t max = UINT64_MAX) {
  return parse_unsigned(name, text, 1, max);
}

// A replica id as the store prints it: 1 to 16 hex digits, not zero.
ReplicaId parse_replica_id(std::string_view name, std::string_view text);

// Refuses `text` unless it is well-formed UTF-8 (every value ends up in JSON and in documents
// other replicas read). `allow_empty` is false for names such as document ids.
void require_utf8(std::string_view name, std::string_view text, bool allow_empty = true);

}  // namespace crdt::cli
