// DocumentCache: recently used documents, decoded, with the version they were read at.
//
// Invariant: an entry's state equals the stored document (snapshot plus pending deltas) at the
// entry's version. Whoever changes an entry in place without committing that change erases it.
// Bounded: inserting past the capacity drops the least recently used entries.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "crdt/persist/document_type.hpp"

namespace crdt::persist {

struct CachedDocument {
  CachedDocument(std::string type_tag, std::uint64_t stored_version, bool is_removed,
                 std::unique_ptr<AnyDocument> decoded, std::size_t stored_snapshot_bytes = 0)
      : type(std::move(type_tag)),
        version(stored_version),
        removed(is_removed),
        state(std::move(decoded)),
        snapshot_bytes(stored_snapshot_bytes) {}

  std::string type;
  std::uint64_t version = 0;
  bool removed = false;
  std::unique_ptr<AnyDocument> state;
  // The stored row's fold bookkeeping, read with its version, so that a write need not read it
  // back (an UPDATE ... RETURNING costs a statement journal on every update).
  std::size_t snapshot_bytes = 0;
  std::uint64_t pending_count = 0;
  std::uint64_t pending_bytes = 0;
};

class DocumentCache {
 public:
  explicit DocumentCache(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  // The entry, marked most recently used; nullptr if absent.
  CachedDocument* find(std::string_view id);
  // Inserts or replaces; the entry returned stays valid until it is erased or evicted by a later
  // put.
  CachedDocument* put(std::string_view id, CachedDocument document);
  void erase(std::string_view id);
  void clear();
  std::size_t size() const { return index_.size(); }

 private:
  struct Slot {
    std::string id;
    CachedDocument document;
  };
  std::size_t capacity_;
  std::list<Slot> order_;  // most recently used first
  std::unordered_map<std::string, std::list<Slot>::iterator> index_;
};

}  // namespace crdt::persist
