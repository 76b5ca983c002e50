// DigestIndex: a hash per document, arranged so that two replicas can find the documents on which
// they differ by exchanging summaries whose size grows with the differences, not the documents.
//
// A document sits in a 16-ary tree by a 64-bit hash of its id: the node at depth d with prefix p
// holds the documents whose key starts with the d nibbles of p. A node's summary is how many
// documents it holds and the sum (mod 2^64) of their hashes, where a document's hash covers its
// id, its type and its causal context, plus the same for each state of another type kept beside
// it as a type conflict (so conflict states are repaired like documents). Two replicas whose
// documents in a node have equal contexts have equal summaries; walking down only where summaries
// differ lists the differing documents in about log16(n) round trips.
//
// Hashes are FNV-1a with a 64-bit finalizer: the same on every platform and build, cheap, and
// good enough because peers are authenticated (an attacker cannot choose the ids to collide).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crdt/sync/bytes.hpp"
#include "sync_messages.hpp"

namespace crdt::sync {

// Which documents a peer wants: those whose id starts with one of the prefixes; all when empty.
class PrefixFilter {
 public:
  PrefixFilter() = default;
  explicit PrefixFilter(std::vector<std::string> prefixes) : prefixes_(std::move(prefixes)) {}
  bool matches(std::string_view id) const;
  bool everything() const { return prefixes_.empty(); }
  const std::vector<std::string>& prefixes() const { return prefixes_; }

 private:
  std::vector<std::string> prefixes_;
};

inline constexpr std::uint8_t kDigestMaxDepth = 16;

class DigestIndex {
 public:
  // A document's states: its own, and those of other types kept beside it as type conflicts.
  struct Part {
    std::string type;
    std::uint64_t hash = 0;
  };
  struct Entry {
    std::vector<Part> parts;
    std::uint64_t hash = 0;  // the sum of the parts' hashes
    const Part* part(const std::string& type) const;
  };
  using Key = std::pair<std::uint64_t, std::string>;  // (tree key, id)

  static std::uint64_t key_of(std::string_view id);
  static std::uint64_t hash_of(std::string_view id, std::string_view type, ByteView context);

  void put(const std::string& id, std::vector<Part> parts);
  void put(const std::string& id, std::string type, std::uint64_t hash) {
    put(id, std::vector<Part>{Part{std::move(type), hash}});
  }
  void erase(const std::string& id);
  void clear() { entries_.clear(); }
  std::size_t size() const { return entries_.size(); }
  const Entry* find(const std::string& id) const;

  DigestSummary summary(std::uint8_t depth, std::uint64_t prefix, const PrefixFilter& filter) const;
  std::array<DigestSummary, kDigestFanout> children(std::uint8_t depth, std::uint64_t prefix,
                                                    const PrefixFilter& filter) const;
  // The documents of a node that pass the filter, in key order.
  std::vector<std::pair<const Key*, const Entry*>> documents(std::uint8_t depth,
                                                             std::uint64_t prefix,
                                                             const PrefixFilter& filter) const;

  // The prefix of child `nibble` of the node (depth, prefix).
  static std::uint64_t child_prefix(std::uint8_t depth, std::uint64_t prefix, unsigned nibble);

 private:
  template <class F>
  void for_each_in(std::uint8_t depth, std::uint64_t prefix, const PrefixFilter& filter,
                   F&& f) const;

  std::map<Key, Entry> entries_;
};

}  // namespace crdt::sync
