#include "protocol_version.hpp"

#include <algorithm>

namespace crdt::sync {

VersionRange supported_versions() { return VersionRange{1, 1}; }

std::optional<std::uint32_t> negotiate(const VersionRange& local, const VersionRange& remote) {
  if (local.oldest > local.newest || remote.oldest > remote.newest) return std::nullopt;
  const std::uint32_t high = std::min(local.newest, remote.newest);
  const std::uint32_t low = std::max(local.oldest, remote.oldest);
  if (high < low) return std::nullopt;
  return high;
}

}  // namespace crdt::sync
