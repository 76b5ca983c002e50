#include "digest_index.hpp"

namespace crdt::sync {

namespace {

constexpr std::uint64_t kFnvOffset = 0xcbf29ce484222325ULL;
constexpr std::uint64_t kFnvPrime = 0x100000001b3ULL;

std::uint64_t fnv1a(ByteView bytes, std::uint64_t hash = kFnvOffset) {
  for (std::uint8_t byte : bytes) {
    hash ^= byte;
    hash *= kFnvPrime;
  }
  return hash;
}

// splitmix64's finalizer: FNV's low bits are weak, and the tree uses the high ones.
std::uint64_t finalize(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

// The last key inside the node (depth, prefix).
std::uint64_t node_end(std::uint8_t depth, std::uint64_t prefix) {
  if (depth == 0) return ~std::uint64_t{0};
  if (depth >= kDigestMaxDepth) return prefix;
  return prefix | (~std::uint64_t{0} >> (4 * depth));
}

}  // namespace

bool PrefixFilter::matches(std::string_view id) const {
  if (prefixes_.empty()) return true;
  for (const auto& prefix : prefixes_) {
    if (id.starts_with(prefix)) return true;
  }
  return false;
}

std::uint64_t DigestIndex::key_of(std::string_view id) { return finalize(fnv1a(as_bytes(id))); }

std::uint64_t DigestIndex::hash_of(std::string_view id, std::string_view type, ByteView context) {
  // Lengths first, so ("ab","c") and ("a","bc") differ.
  std::uint8_t lengths[16];
  const std::uint64_t sizes[2] = {id.size(), type.size()};
  for (int i = 0; i < 2; ++i) {
    for (int b = 0; b < 8; ++b) lengths[i * 8 + b] = static_cast<std::uint8_t>(sizes[i] >> (8 * b));
  }
  std::uint64_t hash = fnv1a(ByteView(lengths, sizeof lengths));
  hash = fnv1a(as_bytes(id), hash);
  hash = fnv1a(as_bytes(type), hash);
  hash = fnv1a(context, hash);
  return finalize(hash);
}

const DigestIndex::Part* DigestIndex::Entry::part(const std::string& type) const {
  for (const Part& candidate : parts) {
    if (candidate.type == type) return &candidate;
  }
  return nullptr;
}

void DigestIndex::put(const std::string& id, std::vector<Part> parts) {
  std::uint64_t sum = 0;
  for (const Part& part : parts) sum += part.hash;
  entries_[Key{key_of(id), id}] = Entry{std::move(parts), sum};
}

void DigestIndex::erase(const std::string& id) { entries_.erase(Key{key_of(id), id}); }

const DigestIndex::Entry* DigestIndex::find(const std::string& id) const {
  auto it = entries_.find(Key{key_of(id), id});
  return it == entries_.end() ? nullptr : &it->second;
}

std::uint64_t DigestIndex::child_prefix(std::uint8_t depth, std::uint64_t prefix, unsigned nibble) {
  return prefix | (static_cast<std::uint64_t>(nibble) << (60 - 4 * depth));
}

template <class F>
void DigestIndex::for_each_in(std::uint8_t depth, std::uint64_t prefix, const PrefixFilter& filter,
                              F&& f) const {
  const std::uint64_t last = node_end(depth, prefix);
  for (auto it = entries_.lower_bound(Key{prefix, std::string()});
       it != entries_.end() && it->first.first <= last; ++it) {
    if (filter.matches(it->first.second)) f(it->first, it->second);
  }
}

DigestSummary DigestIndex::summary(std::uint8_t depth, std::uint64_t prefix,
                                   const PrefixFilter& filter) const {
  DigestSummary out;
  for_each_in(depth, prefix, filter, [&](const Key&, const Entry& entry) {
    ++out.documents;
    out.hash += entry.hash;
  });
  return out;
}

std::array<DigestSummary, kDigestFanout> DigestIndex::children(std::uint8_t depth,
                                                               std::uint64_t prefix,
                                                               const PrefixFilter& filter) const {
  std::array<DigestSummary, kDigestFanout> out{};
  if (depth >= kDigestMaxDepth) return out;  // the last level has no children
  const unsigned shift = 60 - 4 * depth;
  for_each_in(depth, prefix, filter, [&](const Key& key, const Entry& entry) {
    auto& child = out[(key.first >> shift) & 0xF];
    ++child.documents;
    child.hash += entry.hash;
  });
  return out;
}

std::vector<std::pair<const DigestIndex::Key*, const DigestIndex::Entry*>> DigestIndex::documents(
    std::uint8_t depth, std::uint64_t prefix, const PrefixFilter& filter) const {
  std::vector<std::pair<const Key*, const Entry*>> out;
  for_each_in(depth, prefix, filter,
              [&](const Key& key, const Entry& entry) { out.emplace_back(&key, &entry); });
  return out;
}

}  // namespace crdt::sync
