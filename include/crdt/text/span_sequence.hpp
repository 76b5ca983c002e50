// SpanSequence: the integrated characters of a Text replica in document order, as run-length
// encoded spans, with O(log n) lookup by visible position and by character id.
//
// A span is a run of characters one replica inserted one after the other: consecutive ids,
// consecutive Lamport timestamps, each character's origin the one before it. Spans live in blocks
// of at most kBlockSpans; a Fenwick tree over the blocks' visible code points and bytes answers
// "which block holds visible character p" and "how much visible text precedes this block" in
// O(log blocks), and an index from (replica, first counter of a span) to its block answers "where
// is character id". Blocks split when full, so an insert moves at most one block's spans.
//
// Invariants: every block holds 1..kBlockSpans spans (the sequence may have no block at all); the
// Fenwick trees hold the blocks' sums; every span has an index entry under its first id pointing at
// its block; every block's position_ is its index in blocks_.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "crdt/causal/dot.hpp"

namespace crdt::detail {

struct TextSpan {
  Dot id;                     // the first character
  Dot origin;                 // the character the first one was inserted after; counter 0: start
  std::uint64_t lamport = 0;  // of the first character; character k has lamport + k
  std::uint32_t length = 0;   // code points
  std::uint32_t bytes = 0;    // UTF-8 bytes of the content; 0 once deleted
  bool deleted = false;

  std::uint64_t visible() const { return deleted ? 0 : length; }
  std::uint64_t visible_bytes() const { return deleted ? 0 : bytes; }
  Dot id_at(std::uint32_t offset) const { return Dot{id.replica, id.counter + offset}; }
  std::uint64_t end_counter() const { return id.counter + length; }

  friend bool operator==(const TextSpan&, const TextSpan&) = default;
};

class SpanSequence {
 public:
  static constexpr std::size_t kBlockSpans = 64;

  struct Cursor {
    std::size_t block = 0;
    std::size_t index = 0;
    friend bool operator==(const Cursor&, const Cursor&) = default;
  };

  // A character found by position or id: its span, its offset in the span, and the visible code
  // points and bytes before the span.
  struct Location {
    Cursor cursor;
    std::uint32_t offset = 0;
    std::uint64_t visible_before = 0;
    std::uint64_t bytes_before = 0;
  };

  SpanSequence() = default;
  SpanSequence(const SpanSequence& other) { *this = other; }
  // A copy clones the blocks and the trees as they are and points the index at the clones:
  // replicas fork often (a branch, a snapshot), so this must not rebuild anything.
  SpanSequence& operator=(const SpanSequence& other) {
    if (this == &other) return *this;
    hint_ = Hint{};
    std::vector<std::unique_ptr<Block>> blocks;
    blocks.reserve(other.blocks_.size());
    for (const auto& block : other.blocks_) blocks.push_back(std::make_unique<Block>(*block));
    auto index = other.index_;
    for (auto& [replica, by_counter] : index) {
      for (auto& [counter, block] : by_counter) block = blocks[block->position].get();
    }
    blocks_ = std::move(blocks);
    index_ = std::move(index);
    visible_tree_ = other.visible_tree_;
    bytes_tree_ = other.bytes_tree_;
    return *this;
  }
  SpanSequence(SpanSequence&&) noexcept = default;
  SpanSequence& operator=(SpanSequence&&) noexcept = default;

  std::uint64_t visible() const {
    return blocks_.empty() ? 0 : prefix(visible_tree_, blocks_.size());
  }
  std::uint64_t visible_bytes() const {
    return blocks_.empty() ? 0 : prefix(bytes_tree_, blocks_.size());
  }
  bool empty() const { return blocks_.empty(); }
  std::size_t span_count() const {
    std::size_t n = 0;
    for (const auto& block : blocks_) n += block->spans.size();
    return n;
  }

  Cursor begin() const { return Cursor{0, 0}; }
  Cursor end() const { return Cursor{blocks_.size(), 0}; }
  bool at_end(const Cursor& c) const { return c.block >= blocks_.size(); }
  Cursor next(Cursor c) const {
    if (++c.index >= blocks_[c.block]->spans.size()) c = Cursor{c.block + 1, 0};
    return c;
  }
  const TextSpan& span(const Cursor& c) const { return blocks_[c.block]->spans[c.index]; }

  template <class F>
  void for_each(F&& f) const {
    for (const auto& block : blocks_) {
      for (const TextSpan& span : block->spans) f(span);
    }
  }

  // Appends a span at the end (bulk loading and copying).
  void push_back(const TextSpan& span) {
    hint_.valid = false;
    if (blocks_.empty() || blocks_.back()->spans.size() >= kBlockSpans) {
      auto block = std::make_unique<Block>();
      block->spans.reserve(kBlockSpans);
      block->position = blocks_.size();
      blocks_.push_back(std::move(block));
      visible_tree_.push_back(0);
      bytes_tree_.push_back(0);
      rebuild_tree_tail();
    }
    Block& block = *blocks_.back();
    block.spans.push_back(span);
    index_entry(span.id) = &block;
    add_to_block(blocks_.size() - 1, static_cast<std::int64_t>(span.visible()),
                 static_cast<std::int64_t>(span.visible_bytes()));
  }

  // The span holding visible character `pos` (pos < visible()).
  Location find_visible(std::uint64_t pos) const {
    std::uint64_t before = 0;
    std::uint64_t bytes = 0;
    const std::size_t b = find_block(pos, before, bytes);
    const Block& block = *blocks_[b];
    for (std::size_t i = 0; i < block.spans.size(); ++i) {
      const TextSpan& s = block.spans[i];
      const std::uint64_t v = s.visible();
      if (pos < before + v) {
        return Location{Cursor{b, i}, static_cast<std::uint32_t>(pos - before), before, bytes};
      }
      before += v;
      bytes += s.visible_bytes();
    }
    return Location{Cursor{b, block.spans.size() - 1}, 0, before, bytes};  // unreachable
  }

  // find_visible for a local edit: it starts from the span the last one found, since typing
  // lands in or right after it, and remembers the span it finds.
  Location locate(std::uint64_t pos) {
    if (hint_.valid) {
      const TextSpan& s = span(hint_.cursor);
      if (pos >= hint_.visible_before && pos - hint_.visible_before < s.visible()) {
        return Location{hint_.cursor, static_cast<std::uint32_t>(pos - hint_.visible_before),
                        hint_.visible_before, hint_.bytes_before};
      }
    }
    const Location loc = find_visible(pos);
    hint_ = Hint{true, loc.cursor, loc.visible_before, loc.bytes_before};
    return loc;
  }

  // The span holding character `id`, if integrated.
  std::optional<Location> find_id(const Dot& id) const {
    auto replica = index_.find(id.replica);
    if (replica == index_.end()) return std::nullopt;
    auto it = replica->second.upper_bound(id.counter);
    if (it == replica->second.begin()) return std::nullopt;
    --it;
    const Block* block = it->second;
    const std::uint64_t start = it->first;
    for (std::size_t i = 0; i < block->spans.size(); ++i) {
      const TextSpan& s = block->spans[i];
      if (s.id.replica == id.replica && s.id.counter == start) {
        if (id.counter >= s.end_counter()) return std::nullopt;
        Location loc;
        loc.cursor = Cursor{block->position, i};
        loc.offset = static_cast<std::uint32_t>(id.counter - start);
        return loc;
      }
    }
    return std::nullopt;
  }

  // Fills visible_before and bytes_before of a location found by id.
  void measure(Location& loc) const {
    std::uint64_t before = prefix(visible_tree_, loc.cursor.block);
    std::uint64_t bytes = prefix(bytes_tree_, loc.cursor.block);
    const Block& block = *blocks_[loc.cursor.block];
    for (std::size_t i = 0; i < loc.cursor.index; ++i) {
      before += block.spans[i].visible();
      bytes += block.spans[i].visible_bytes();
    }
    loc.visible_before = before;
    loc.bytes_before = bytes;
  }

  // Splits the span at `c` so that its first `offset` characters (taking `first_bytes` bytes)
  // stay at `c` and the rest follow it. Returns the cursor of the second part.
  Cursor split(Cursor c, std::uint32_t offset, std::uint32_t first_bytes) {
    TextSpan second = blocks_[c.block]->spans[c.index];
    TextSpan& first = blocks_[c.block]->spans[c.index];
    second.id.counter += offset;
    second.origin = first.id_at(offset - 1);
    second.lamport += offset;
    second.length -= offset;
    second.bytes = first.deleted ? 0 : first.bytes - first_bytes;
    first.length = offset;
    first.bytes = first.deleted ? 0 : first_bytes;
    add_to_block(c.block, -static_cast<std::int64_t>(second.visible()),
                 -static_cast<std::int64_t>(second.visible_bytes()));
    return insert(next_slot(c), second);
  }

  // Inserts `span` before `c` (c may be end()) and returns its cursor.
  Cursor insert(Cursor c, const TextSpan& span) {
    Cursor at = insert_raw(c, span);
    add_to_block(at.block, static_cast<std::int64_t>(span.visible()),
                 static_cast<std::int64_t>(span.visible_bytes()));
    return at;
  }

  // Grows the span at `c` by `length` characters of `bytes` bytes (typing at its end, or a
  // remote run arriving piece by piece; a deleted span grows by ids only).
  void extend(const Cursor& c, std::uint32_t length, std::uint32_t bytes) {
    TextSpan& s = blocks_[c.block]->spans[c.index];
    s.length += length;
    if (s.deleted) return;  // a tombstone run grows without visible weight
    s.bytes += bytes;
    // Typing at the end of the hinted span leaves what is before it unchanged.
    const bool keep_hint = hint_.valid && hint_.cursor == c;
    add_to_block(c.block, length, bytes);
    hint_.valid = keep_hint;
  }

  // Marks the whole span at `c` deleted.
  void mark_deleted(const Cursor& c) {
    TextSpan& s = blocks_[c.block]->spans[c.index];
    if (s.deleted) return;
    const std::int64_t v = static_cast<std::int64_t>(s.length);
    const std::int64_t b = static_cast<std::int64_t>(s.bytes);
    s.deleted = true;
    s.bytes = 0;
    add_to_block(c.block, -v, -b);
  }

  std::size_t memory_bytes() const {
    std::size_t total = blocks_.capacity() * sizeof(void*) +
                        (visible_tree_.capacity() + bytes_tree_.capacity()) * sizeof(std::uint64_t);
    for (const auto& block : blocks_)
      total += sizeof(Block) + block->spans.capacity() * sizeof(TextSpan);
    for (const auto& [replica, entries] : index_) {
      total += sizeof(replica) + entries.size() * (sizeof(std::uint64_t) + sizeof(void*) + 32);
    }
    return total;
  }

 private:
  struct Block {
    std::vector<TextSpan> spans;
    std::size_t position = 0;
    std::uint64_t visible = 0;  // sums over spans, kept so a rebuild costs O(blocks)
    std::uint64_t bytes = 0;
  };

  Block*& index_entry(const Dot& id) { return index_[id.replica][id.counter]; }

  Cursor next_slot(Cursor c) const { return Cursor{c.block, c.index + 1}; }

  // Inserts without touching the sums; splits a full block.
  Cursor insert_raw(Cursor c, const TextSpan& span) {
    hint_.valid = false;
    if (blocks_.empty()) {
      push_back(span);
      // push_back added the weight; callers add it again, so take it back out.
      add_to_block(0, -static_cast<std::int64_t>(span.visible()),
                   -static_cast<std::int64_t>(span.visible_bytes()));
      return Cursor{0, 0};
    }
    if (c.block >= blocks_.size()) c = Cursor{blocks_.size() - 1, blocks_.back()->spans.size()};
    if (blocks_[c.block]->spans.size() >= kBlockSpans) {
      split_block(c.block);
      const std::size_t half = blocks_[c.block]->spans.size();
      if (c.index > half) c = Cursor{c.block + 1, c.index - half};
    }
    Block& block = *blocks_[c.block];
    block.spans.insert(block.spans.begin() + static_cast<std::ptrdiff_t>(c.index), span);
    index_entry(span.id) = &block;
    return c;
  }

  void split_block(std::size_t b) {
    Block& full = *blocks_[b];
    auto fresh = std::make_unique<Block>();
    fresh->spans.reserve(kBlockSpans);
    const std::size_t half = full.spans.size() / 2;
    fresh->spans.assign(full.spans.begin() + static_cast<std::ptrdiff_t>(half), full.spans.end());
    full.spans.resize(half);
    for (const TextSpan& s : fresh->spans) {
      index_entry(s.id) = fresh.get();
      fresh->visible += s.visible();
      fresh->bytes += s.visible_bytes();
    }
    full.visible -= fresh->visible;
    full.bytes -= fresh->bytes;
    blocks_.insert(blocks_.begin() + static_cast<std::ptrdiff_t>(b + 1), std::move(fresh));
    for (std::size_t i = b + 1; i < blocks_.size(); ++i) blocks_[i]->position = i;
    rebuild_trees();
  }

  // Fenwick trees (1-based internally) over the blocks' visible code points and bytes.
  static std::uint64_t prefix(const std::vector<std::uint64_t>& tree, std::size_t count) {
    std::uint64_t sum = 0;
    for (std::size_t i = count; i > 0; i -= i & (~i + 1)) sum += tree[i - 1];
    return sum;
  }

  void add_to_block(std::size_t b, std::int64_t visible, std::int64_t bytes) {
    hint_.valid = false;
    blocks_[b]->visible += static_cast<std::uint64_t>(visible);
    blocks_[b]->bytes += static_cast<std::uint64_t>(bytes);
    for (std::size_t i = b + 1; i <= visible_tree_.size(); i += i & (~i + 1)) {
      visible_tree_[i - 1] += static_cast<std::uint64_t>(visible);
      bytes_tree_[i - 1] += static_cast<std::uint64_t>(bytes);
    }
  }

  void rebuild_trees() {
    const std::size_t n = blocks_.size();
    visible_tree_.assign(n, 0);
    bytes_tree_.assign(n, 0);
    for (std::size_t i = 0; i < n; ++i) {
      visible_tree_[i] = blocks_[i]->visible;
      bytes_tree_[i] = blocks_[i]->bytes;
    }
    for (std::size_t i = 1; i <= n; ++i) {
      const std::size_t parent = i + (i & (~i + 1));
      if (parent <= n) {
        visible_tree_[parent - 1] += visible_tree_[i - 1];
        bytes_tree_[parent - 1] += bytes_tree_[i - 1];
      }
    }
  }

  // A block was appended with zero weight: its Fenwick node must cover its range's earlier sums.
  void rebuild_tree_tail() {
    const std::size_t i = blocks_.size();  // 1-based index of the new node
    const std::size_t low = i - (i & (~i + 1));
    std::uint64_t v = 0, b = 0;
    // Node i covers blocks (low, i]; sum the earlier ones through prefix differences.
    v = prefix(visible_tree_, i - 1) - prefix(visible_tree_, low);
    b = prefix(bytes_tree_, i - 1) - prefix(bytes_tree_, low);
    visible_tree_[i - 1] = v;
    bytes_tree_[i - 1] = b;
  }

  // The block holding visible character `pos`, with the visible code points and bytes before it.
  std::size_t find_block(std::uint64_t pos, std::uint64_t& before, std::uint64_t& bytes) const {
    const std::size_t n = visible_tree_.size();
    std::size_t step = 1;
    while (step * 2 <= n) step *= 2;
    std::size_t idx = 0;
    before = 0;
    bytes = 0;
    for (; step > 0; step /= 2) {
      const std::size_t next = idx + step;
      if (next <= n && before + visible_tree_[next - 1] <= pos) {
        idx = next;
        before += visible_tree_[next - 1];
        bytes += bytes_tree_[next - 1];
      }
    }
    return std::min(idx, n - 1);
  }

  std::vector<std::unique_ptr<Block>> blocks_;
  std::vector<std::uint64_t> visible_tree_;
  std::vector<std::uint64_t> bytes_tree_;
  std::unordered_map<ReplicaId, std::map<std::uint64_t, Block*>> index_;

  // The span locate() last found, with the visible code points and bytes before it; any change
  // but growing that span drops it.
  struct Hint {
    bool valid = false;
    Cursor cursor;
    std::uint64_t visible_before = 0;
    std::uint64_t bytes_before = 0;
  };
  Hint hint_;
};

}  // namespace crdt::detail
