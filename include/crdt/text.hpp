// Text: collaborative plain text, a replicated growable array (RGA, Roh et al. 2011) with
// run-length encoded spans, as a delta-state CRDT.
//
// Ordering: every character has an id (a dot) and a Lamport timestamp, and names the character it
// was inserted after (its origin). A character is placed after its origin, past every run of
// characters there whose (lamport, replica) is greater than its own (RGA's rule in its linear
// form). We chose RGA over YATA/Fugue origins because integration is one forward scan comparing one
// timestamp per span, it provably converges for any causal delivery order, and the common case of
// concurrency (two users typing forward at the same place) never interleaves: each user's run
// stays contiguous. Its known anomaly, interleaving of two runs that are both typed backwards at
// the same place, is accepted.
//
// Guarantees:
// - Converges for any delivery order, duplication and loss followed by catch-up. A character whose
//   origin has not arrived, and a delete whose target has not, wait in a pending buffer that is
//   part of the state, and are integrated as soon as they can be; duplicates are no-ops.
// - Deletes leave tombstones that keep ids only: the deleted text itself is dropped.
// - Every insert and every delete has its own dot, so `delta_since(ctx)` sends exactly the
//   characters and deletes `ctx` lacks; a caught-up peer gets bottom.
// - Local API by position in Unicode code points, UTF-8 in and out; invalid positions throw
//   std::out_of_range and invalid UTF-8 throws std::invalid_argument, leaving the text unchanged.
// - `merge_with_changes` reports what a merge did to the visible text as index-based changes that,
//   applied in order to the old text, give the new one.
// Complexity: insert/erase at a position O(log n + k) for k affected spans; typing at the end of
// one's own latest run extends that run in place; remote integration O(log n + spans skipped).
// Not thread-safe.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crdt/causal/dot.hpp"
#include "crdt/causal/replica_id.hpp"
#include "crdt/causal/version_vector.hpp"
#include "crdt/detail/small_vector.hpp"
#include "crdt/lattice.hpp"
#include "crdt/text/gap_buffer.hpp"
#include "crdt/text/span_sequence.hpp"
#include "crdt/text/utf8.hpp"

namespace crdt {

class SerializationAccess;

// One change a merge made to the visible text: at code point `pos`, `deleted` code points were
// removed and `inserted` (UTF-8) was put in their place.
struct TextChange {
  std::size_t pos = 0;
  std::size_t deleted = 0;
  std::string inserted;
  friend bool operator==(const TextChange&, const TextChange&) = default;
};

// A run of characters one replica inserted one after the other, as a state or delta holds it:
// character k has id (id.replica, id.counter + k) and Lamport timestamp lamport + k, and follows
// character k - 1; the first follows `origin` (counter 0: the start of the text).
struct TextRun {
  Dot id;
  Dot origin;
  std::uint64_t lamport = 0;
  std::uint32_t length = 0;
  bool deleted = false;
  std::string_view content;  // UTF-8, empty when deleted
};

// A stable cursor: the id of the character right of the cursor, or the end of the text.
struct TextAnchor {
  Dot id;  // counter 0: the end of the text
  friend bool operator==(const TextAnchor&, const TextAnchor&) = default;
};

class Text {
 public:
  // The largest single insert, in bytes; longer inserts throw std::length_error.
  static constexpr std::size_t kMaxInsertBytes = std::numeric_limits<std::uint32_t>::max() / 2;

  Text() = default;

  // Inserts `text` (UTF-8) at code point `pos` and returns the delta to ship.
  Text insert(ReplicaId replica, std::size_t pos, std::string_view text) {
    if (pos > size()) throw std::out_of_range("Text::insert: position past the end");
    if (!utf8::valid(text)) throw std::invalid_argument("Text::insert: invalid UTF-8");
    if (text.size() > kMaxInsertBytes) throw std::length_error("Text::insert: text too long");
    // One named result on every path, so it is built in place (a move of a Text is not free).
    Text delta;
    if (text.empty()) return delta;
    const auto length = static_cast<std::uint32_t>(utf8::length(text));
    const auto bytes = static_cast<std::uint32_t>(text.size());

    detail::TextSpan span;
    span.id = context_.next_dot(replica);
    span.lamport = max_lamport_ + 1;
    span.length = length;
    span.bytes = bytes;

    std::uint64_t byte_offset = 0;
    if (pos == 0) {
      sequence_.insert(sequence_.begin(), span);
    } else {
      auto loc = sequence_.locate(pos - 1);
      const detail::TextSpan& left = sequence_.span(loc.cursor);
      span.origin = left.id_at(loc.offset);
      const std::uint32_t head_bytes = prefix_bytes(loc, loc.offset + 1);
      byte_offset = loc.bytes_before + head_bytes;
      if (loc.offset + 1 < left.length) {
        const auto second = sequence_.split(loc.cursor, loc.offset + 1, head_bytes);
        sequence_.insert(second, span);
      } else if (left.id.replica == replica && left.end_counter() == span.id.counter &&
                 left.lamport + left.length == span.lamport && !left.deleted) {
        sequence_.extend(loc.cursor, length, bytes);
      } else {
        sequence_.insert(sequence_.next(loc.cursor), span);
      }
    }
    text_.insert(byte_offset, text);
    context_.add_range(replica, span.id.counter, span.id.counter + length - 1);
    max_lamport_ = span.lamport + length - 1;

    delta.pending_.push_back(PendingInsert{span, std::string(text)});
    delta.context_.add_range(replica, span.id.counter, span.id.counter + length - 1);
    delta.max_lamport_ = max_lamport_;
    return delta;
  }

  // Erases `count` code points from `pos` and returns the delta to ship.
  Text erase(ReplicaId replica, std::size_t pos, std::size_t count) {
    const std::size_t total = size();
    if (pos > total || count > total - pos) {
      throw std::out_of_range("Text::erase: range past the end");
    }
    Text delta;
    if (count == 0) return delta;
    const Dot dot = context_.next_dot(replica);
    std::size_t remaining = count;
    while (remaining > 0) {
      auto loc = sequence_.locate(pos);
      const detail::TextSpan& span = sequence_.span(loc.cursor);
      const auto take =
          static_cast<std::uint32_t>(std::min<std::uint64_t>(remaining, span.length - loc.offset));
      const Dot target = span.id_at(loc.offset);
      delete_range(loc, take, nullptr);
      const DeleteRecord record{dot, target, take};
      deletes_.push_back(record);
      delta.deletes_.push_back(record);
      remaining -= take;
    }
    context_.add(dot);
    delta.context_.add(dot);
    // The Lamport clock counts deletes too, so that on a replica editing alone every character's
    // timestamp equals its counter, which the encoding writes as nothing.
    max_lamport_ += 1;
    delta.max_lamport_ = max_lamport_;
    return delta;
  }

  void merge(const Text& other) { merge_impl(other, nullptr); }

  // Merges `other` and returns what it changed in the visible text, in order.
  std::vector<TextChange> merge_with_changes(const Text& other) {
    std::vector<TextChange> changes;
    merge_impl(other, &changes);
    return changes;
  }

  Text delta_since(const VersionVector& known) const {
    Text delta;
    if (context_.subset_of(known)) return delta;
    std::uint64_t bytes_before = 0;
    sequence_.for_each([&](const detail::TextSpan& span) {
      if (!span.deleted) {
        add_unknown_pieces(delta, span, text_.substr(bytes_before, span.bytes), known);
      } else {
        add_unknown_pieces(delta, span, std::string_view{}, known);
      }
      bytes_before += span.visible_bytes();
    });
    for (const PendingInsert& p : pending_) add_unknown_pieces(delta, p.span, p.content, known);
    for (const DeleteRecord& r : deletes_) {
      if (!known.contains(r.dot)) delta.deletes_.push_back(r);
    }
    delta.context_ = context_.difference(known);
    delta.max_lamport_ = max_lamport_;
    return delta;
  }

  // The visible text as UTF-8.
  std::string str() const { return text_.str(); }
  std::string value() const { return str(); }
  // Visible code points.
  std::size_t size() const { return static_cast<std::size_t>(sequence_.visible()); }
  std::size_t size_bytes() const { return text_.size(); }
  bool empty() const { return context_.empty(); }
  const VersionVector& context() const { return context_; }

  // An anchor for the cursor at `pos` (0..size()): it stays before the same character.
  TextAnchor anchor(std::size_t pos) const {
    if (pos > size()) throw std::out_of_range("Text::anchor: position past the end");
    if (pos == size()) return TextAnchor{};
    const auto loc = sequence_.find_visible(pos);
    return TextAnchor{sequence_.span(loc.cursor).id_at(loc.offset)};
  }

  // Where `anchor` is now; a deleted character's anchor sits where that character was.
  // Throws std::out_of_range for a character this replica has not integrated.
  std::size_t position(const TextAnchor& anchor) const {
    if (anchor.id.counter == 0) return size();
    auto loc = sequence_.find_id(anchor.id);
    if (!loc) throw std::out_of_range("Text::position: unknown character");
    sequence_.measure(*loc);
    const bool deleted = sequence_.span(loc->cursor).deleted;
    return static_cast<std::size_t>(loc->visible_before + (deleted ? 0 : loc->offset));
  }

  // Visits every run of inserted characters the state holds: the integrated ones in document
  // order, then those still pending.
  template <class F>
  void for_each_run(F&& f) const {
    std::uint64_t bytes_before = 0;
    std::string content;
    sequence_.for_each([&](const detail::TextSpan& s) {
      content = s.deleted ? std::string{} : text_.substr(bytes_before, s.bytes);
      f(TextRun{s.id, s.origin, s.lamport, s.length, s.deleted, content});
      bytes_before += s.visible_bytes();
    });
    for (const PendingInsert& p : pending_) {
      f(TextRun{p.span.id, p.span.origin, p.span.lamport, p.span.length, p.span.deleted,
                p.content});
    }
  }

  // Visits every delete the state holds: the delete's dot, the first id it removes, and how many
  // consecutive ids from there.
  template <class F>
  void for_each_delete(F&& f) const {
    for (const DeleteRecord& r : deletes_) f(r.dot, r.target, r.length);
  }

  // Characters and deletes waiting for what they depend on.
  std::size_t pending_inserts() const { return pending_.size(); }
  std::size_t pending_deletes() const { return pending_deletes_.size(); }
  // Spans integrated (a run of characters by one replica counts once).
  std::size_t span_count() const { return sequence_.span_count(); }

  // Approximate heap memory held by this replica.
  std::size_t memory_bytes() const {
    std::size_t total = sizeof(Text) + sequence_.memory_bytes() + text_.capacity_bytes() +
                        deletes_.heap_bytes() + pending_deletes_.heap_bytes();
    for (const PendingInsert& p : pending_) total += sizeof(p) + p.content.capacity();
    for (const auto& [replica, ranges] : context_.entries()) {
      total += sizeof(VersionVector::Entry) + ranges.ranges().heap_bytes();
    }
    return total;
  }

  bool well_formed() const;

  friend bool operator==(const Text& a, const Text& b) {
    return a.context_ == b.context_ && a.text_.str() == b.text_.str() &&
           a.char_ids() == b.char_ids() && a.pending_ids() == b.pending_ids() &&
           a.delete_pairs() == b.delete_pairs();
  }

 private:
  friend class SerializationAccess;

  struct PendingInsert {
    detail::TextSpan span;
    std::string content;  // empty for a character that arrived deleted
  };

  struct DeleteRecord {
    Dot dot;                   // the delete operation
    Dot target;                // first character it deletes
    std::uint32_t length = 0;  // consecutive ids from target
    friend bool operator==(const DeleteRecord&, const DeleteRecord&) = default;
  };

  // A delta holds one insert or one delete: kept inline, making one costs no allocation.
  using Inserts = detail::SmallVector<PendingInsert, 1>;
  using Deletes = detail::SmallVector<DeleteRecord, 1>;

  // Bytes taken by the first `count` code points of the span at `loc` (visible spans only).
  std::uint32_t prefix_bytes(const detail::SpanSequence::Location& loc, std::uint32_t count) const {
    const detail::TextSpan& span = sequence_.span(loc.cursor);
    if (span.deleted) return 0;
    if (span.bytes == span.length || count == 0) return count;
    if (count >= span.length) return span.bytes;
    // count < length: the span has a code point after the last one counted, so the scan stays
    // inside it.
    std::uint64_t offset = loc.bytes_before;
    std::uint32_t bytes = 0;
    for (std::uint32_t seen = 0; seen < count; ++seen) {
      do {
        ++offset;
        ++bytes;
      } while ((static_cast<unsigned char>(text_.at(offset)) & 0xC0) == 0x80);
    }
    return bytes;
  }

  // Deletes `count` characters starting at `loc` (all inside one span); records the change.
  void delete_range(detail::SpanSequence::Location loc, std::uint32_t count,
                    std::vector<TextChange>* changes) {
    auto cursor = loc.cursor;
    std::uint64_t byte_offset = loc.bytes_before;
    std::uint64_t visible_offset = loc.visible_before;
    if (sequence_.span(cursor).deleted) return;
    if (loc.offset > 0) {
      const std::uint32_t head = prefix_bytes(loc, loc.offset);
      byte_offset += head;
      visible_offset += loc.offset;
      cursor = sequence_.split(cursor, loc.offset, head);
    }
    const detail::TextSpan& span = sequence_.span(cursor);
    if (count < span.length) {
      detail::SpanSequence::Location part{cursor, 0, visible_offset, byte_offset};
      const std::uint32_t head = prefix_bytes(part, count);
      const auto second = sequence_.split(cursor, count, head);
      cursor = detail::SpanSequence::Cursor{second.block, second.index - 1};
    }
    const std::uint32_t bytes = sequence_.span(cursor).bytes;
    text_.erase(byte_offset, bytes);
    sequence_.mark_deleted(cursor);
    if (changes != nullptr) changes->push_back(TextChange{visible_offset, count, {}});
  }

  // Appends to `delta` the pieces of `span` whose ids `known` lacks (content given when visible).
  static void add_unknown_pieces(Text& delta, const detail::TextSpan& span,
                                 std::string_view content, const VersionVector& known) {
    std::uint32_t start = 0;
    std::size_t byte_start = 0;
    auto byte_at = [&](std::uint32_t cp) -> std::size_t {
      return content.empty() ? 0 : utf8::offset(content, cp);
    };
    while (start < span.length) {
      if (known.contains(span.id_at(start))) {
        ++start;
        continue;
      }
      std::uint32_t end = start + 1;
      while (end < span.length && !known.contains(span.id_at(end))) ++end;
      detail::TextSpan piece = span;
      piece.id.counter += start;
      piece.lamport += start;
      piece.length = end - start;
      if (start > 0) piece.origin = span.id_at(start - 1);
      byte_start = byte_at(start);
      const std::size_t byte_end = byte_at(end);
      piece.bytes = span.deleted ? 0 : static_cast<std::uint32_t>(byte_end - byte_start);
      delta.pending_.push_back(PendingInsert{
          piece, span.deleted ? std::string{}
                              : std::string(content.substr(byte_start, byte_end - byte_start))});
      start = end;
    }
  }

  void merge_impl(const Text& other, std::vector<TextChange>* changes) {
    if (&other == this) return;
    // Inserts first, in an order where every origin comes before its dependents: the other
    // side's document order, then its pending inserts by Lamport timestamp.
    std::vector<PendingInsert> incoming;
    std::uint64_t bytes_before = 0;
    other.sequence_.for_each([&](const detail::TextSpan& span) {
      incoming.push_back(PendingInsert{
          span, span.deleted ? std::string{} : other.text_.substr(bytes_before, span.bytes)});
      bytes_before += span.visible_bytes();
    });
    const std::size_t from_sequence = incoming.size();
    for (const PendingInsert& p : other.pending_) incoming.push_back(p);
    std::sort(incoming.begin() + static_cast<std::ptrdiff_t>(from_sequence), incoming.end(),
              [](const PendingInsert& a, const PendingInsert& b) {
                return a.span.lamport < b.span.lamport;
              });
    bool integrated = false;
    for (const PendingInsert& p : incoming) integrated |= accept_insert(p, changes);

    for (const DeleteRecord& r : other.deletes_) {
      if (context_.contains(r.dot)) continue;
      deletes_.push_back(r);
      apply_delete(r, changes);
    }
    // The context last: accept_insert and apply_delete consult it for duplicates, and a delete
    // record of `other` names its dot once per target range.
    context_.merge(other.context_);
    max_lamport_ = std::max(max_lamport_, other.max_lamport_);
    if (integrated || !pending_.empty()) retry_pending(changes);
  }

  // Takes in the pieces of `p` this replica lacks; returns whether any was integrated.
  bool accept_insert(const PendingInsert& p, std::vector<TextChange>* changes) {
    bool any = false;
    const detail::TextSpan& span = p.span;
    std::uint32_t start = 0;
    while (start < span.length) {
      if (context_.contains(span.id_at(start))) {
        ++start;
        continue;
      }
      std::uint32_t end = start + 1;
      while (end < span.length && !context_.contains(span.id_at(end))) ++end;
      PendingInsert piece{span, {}};
      piece.span.id.counter += start;
      piece.span.lamport += start;
      piece.span.length = end - start;
      if (start > 0) piece.span.origin = span.id_at(start - 1);
      if (!span.deleted) {
        const std::size_t from = start == 0 ? 0 : utf8::offset(p.content, start);
        const std::size_t to = end == span.length ? p.content.size() : utf8::offset(p.content, end);
        piece.content = p.content.substr(from, to - from);
        piece.span.bytes = static_cast<std::uint32_t>(piece.content.size());
      } else {
        piece.span.bytes = 0;
      }
      context_.add_range(span.id.replica, piece.span.id.counter,
                         piece.span.id.counter + piece.span.length - 1);
      max_lamport_ = std::max(max_lamport_, piece.span.lamport + piece.span.length - 1);
      if (integrate(piece, changes)) {
        any = true;
      } else {
        pending_.push_back(std::move(piece));
      }
      start = end;
    }
    return any;
  }

  // Places a piece whose ids are new to this replica (RGA); false when its origin is missing.
  bool integrate(const PendingInsert& piece, std::vector<TextChange>* changes) {
    const detail::TextSpan& span = piece.span;
    detail::SpanSequence::Cursor cursor = sequence_.begin();
    std::uint64_t visible_before = 0;
    std::uint64_t bytes_before = 0;
    if (span.origin.counter != 0) {
      auto loc = sequence_.find_id(span.origin);
      if (!loc) return false;
      sequence_.measure(*loc);
      const detail::TextSpan& left = sequence_.span(loc->cursor);
      visible_before = loc->visible_before;
      bytes_before = loc->bytes_before;
      if (loc->offset + 1 < left.length) {
        const std::uint64_t next_lamport = left.lamport + loc->offset + 1;
        if (greater(span.lamport, span.id.replica, next_lamport, left.id.replica)) {
          const std::uint32_t head = prefix_bytes(*loc, loc->offset + 1);
          const std::uint32_t head_visible = left.deleted ? 0 : loc->offset + 1;
          cursor = sequence_.split(loc->cursor, loc->offset + 1, head);
          place(cursor, piece, visible_before + head_visible, bytes_before + head, changes);
          return true;
        }
      }
      visible_before += left.visible();
      bytes_before += left.visible_bytes();
      cursor = sequence_.next(loc->cursor);
    }
    while (!sequence_.at_end(cursor)) {
      const detail::TextSpan& next = sequence_.span(cursor);
      if (!greater(next.lamport, next.id.replica, span.lamport, span.id.replica)) break;
      visible_before += next.visible();
      bytes_before += next.visible_bytes();
      cursor = sequence_.next(cursor);
    }
    place(cursor, piece, visible_before, bytes_before, changes);
    return true;
  }

  static bool greater(std::uint64_t lamport_a, ReplicaId replica_a, std::uint64_t lamport_b,
                      ReplicaId replica_b) {
    return lamport_a != lamport_b ? lamport_a > lamport_b : replica_a > replica_b;
  }

  void place(detail::SpanSequence::Cursor cursor, const PendingInsert& piece,
             std::uint64_t visible_before, std::uint64_t bytes_before,
             std::vector<TextChange>* changes) {
    const detail::TextSpan& span = piece.span;
    // A remote run typed one character at a time arrives as many pieces: grow the run instead of
    // adding a span per character.
    bool extended = false;
    if (cursor.index > 0) {
      const detail::SpanSequence::Cursor left_cursor{cursor.block, cursor.index - 1};
      const detail::TextSpan& left = sequence_.span(left_cursor);
      if (left.id.replica == span.id.replica && left.end_counter() == span.id.counter &&
          left.lamport + left.length == span.lamport && left.deleted == span.deleted &&
          span.origin == left.id_at(left.length - 1)) {
        sequence_.extend(left_cursor, span.length, span.bytes);
        extended = true;
      }
    }
    if (!extended) sequence_.insert(cursor, span);
    if (!span.deleted) {
      text_.insert(bytes_before, piece.content);
      if (changes != nullptr) changes->push_back(TextChange{visible_before, 0, piece.content});
    }
    // Deletes that were waiting for these characters.
    if (!pending_deletes_.empty()) retry_deletes(changes);
  }

  void apply_delete(const DeleteRecord& record, std::vector<TextChange>* changes) {
    std::uint64_t counter = record.target.counter;
    const std::uint64_t end = record.target.counter + record.length;
    while (counter < end) {
      const Dot id{record.target.replica, counter};
      auto loc = sequence_.find_id(id);
      if (!loc) {
        // Not integrated (yet): wait for the characters, one id at a time until one is found.
        std::uint64_t stop = counter + 1;
        while (stop < end && !sequence_.find_id(Dot{record.target.replica, stop})) ++stop;
        pending_deletes_.push_back(
            DeleteRecord{record.dot, id, static_cast<std::uint32_t>(stop - counter)});
        counter = stop;
        continue;
      }
      sequence_.measure(*loc);
      const detail::TextSpan& span = sequence_.span(loc->cursor);
      const auto take = static_cast<std::uint32_t>(
          std::min<std::uint64_t>(end - counter, span.length - loc->offset));
      delete_range(*loc, take, changes);
      counter += take;
    }
  }

  void retry_deletes(std::vector<TextChange>* changes) {
    Deletes waiting = std::move(pending_deletes_);
    pending_deletes_.clear();
    for (const DeleteRecord& r : waiting) apply_delete(r, changes);
  }

  void retry_pending(std::vector<TextChange>* changes) {
    bool progress = true;
    while (progress && !pending_.empty()) {
      progress = false;
      Inserts waiting = std::move(pending_);
      pending_.clear();
      std::sort(waiting.begin(), waiting.end(), [](const PendingInsert& a, const PendingInsert& b) {
        return a.span.lamport < b.span.lamport;
      });
      for (PendingInsert& p : waiting) {
        if (integrate(p, changes)) {
          progress = true;
        } else {
          pending_.push_back(std::move(p));
        }
      }
    }
    if (!pending_deletes_.empty()) retry_deletes(changes);
  }

  // Normal forms for equality: per character (id, deleted) in document order, pending ids, and
  // (delete dot, target id) pairs.
  std::vector<std::pair<Dot, bool>> char_ids() const {
    std::vector<std::pair<Dot, bool>> out;
    sequence_.for_each([&](const detail::TextSpan& s) {
      for (std::uint32_t i = 0; i < s.length; ++i) out.emplace_back(s.id_at(i), s.deleted);
    });
    return out;
  }
  std::vector<Dot> pending_ids() const {
    std::vector<Dot> out;
    for (const PendingInsert& p : pending_) {
      for (std::uint32_t i = 0; i < p.span.length; ++i) out.push_back(p.span.id_at(i));
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  std::vector<std::pair<Dot, Dot>> delete_pairs() const {
    std::vector<std::pair<Dot, Dot>> out;
    for (const DeleteRecord& r : deletes_) {
      for (std::uint32_t i = 0; i < r.length; ++i) {
        out.emplace_back(r.dot, Dot{r.target.replica, r.target.counter + i});
      }
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }

  detail::SpanSequence sequence_;
  detail::GapBuffer text_;
  Inserts pending_;
  Deletes deletes_;
  Deletes pending_deletes_;
  VersionVector context_;
  std::uint64_t max_lamport_ = 0;
};

inline bool Text::well_formed() const {
  if (!context_.well_formed()) return false;
  bool ok = true;
  std::uint64_t bytes = 0;
  sequence_.for_each([&](const detail::TextSpan& s) {
    if (s.length == 0 || !s.id.replica.valid() || s.id.counter == 0) ok = false;
    if (ok && !context_.contains(s.id)) ok = false;
    if (s.deleted && s.bytes != 0) ok = false;
    bytes += s.visible_bytes();
  });
  if (bytes != text_.size()) ok = false;
  for (const DeleteRecord& r : deletes_) {
    if (!context_.contains(r.dot) || r.length == 0) ok = false;
  }
  return ok && utf8::valid(text_.str());
}

static_assert(DeltaCrdt<Text>);

}  // namespace crdt
