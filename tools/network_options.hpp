// Network arguments of the `crdt` command: addresses and the secret file, checked before a node
// starts. Failures throw UsageError (a malformed address) or CommandError (an unreadable or empty
// secret file).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <crdt/sync/address.hpp>
#include <crdt/sync/bytes.hpp>

namespace crdt::cli {

sync::Address parse_address(std::string_view option, std::string_view text, bool allow_any_port);

// The file's bytes, without one trailing newline (so `echo secret > file` works); nothing for an
// empty path (no secret).
std::optional<sync::Bytes> read_secret(const std::string& path);

}  // namespace crdt::cli
