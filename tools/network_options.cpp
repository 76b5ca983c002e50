#include "network_options.hpp"

#include <fstream>
#include <iterator>

#include "command_context.hpp"

namespace crdt::cli {

sync::Address parse_address(std::string_view option, std::string_view text, bool allow_any_port) {
  auto address = sync::Address::parse(text, allow_any_port);
  if (!address) {
    throw UsageError(std::string(option) + ": '" + std::string(text) +
                     "' is not HOST:PORT with a port of 1-65535");
  }
  return *address;
}

std::optional<sync::Bytes> read_secret(const std::string& path) {
  if (path.empty()) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CommandError(path + ": cannot read the secret file");
  sync::Bytes secret((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!secret.empty() && secret.back() == '\n') secret.pop_back();
  if (!secret.empty() && secret.back() == '\r') secret.pop_back();
  if (secret.empty()) throw CommandError(path + ": the secret file is empty");
  return secret;
}

}  // namespace crdt::cli
