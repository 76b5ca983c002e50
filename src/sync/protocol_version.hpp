// Protocol version negotiation: each side announces the range of versions it speaks, and both
// use the highest version in common. Only when the ranges do not overlap is the peer refused, so
// upgrading a hub never strands devices that still speak an older version.
#pragma once

#include <cstdint>
#include <optional>

namespace crdt::sync {

struct VersionRange {
  std::uint32_t oldest = 1;
  std::uint32_t newest = 1;
};

// The versions this build speaks.
VersionRange supported_versions();

// The highest version both ranges contain, or nothing when they share none (or one is inverted).
std::optional<std::uint32_t> negotiate(const VersionRange& local, const VersionRange& remote);

}  // namespace crdt::sync
