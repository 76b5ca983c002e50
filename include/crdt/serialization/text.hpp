// Serializer for Text.
//
// Encoding (primitives in checked_archive.hpp, version_vector in causal.hpp):
//   text       := context:version_vector replicas:(count replica_id*count) lamport:varint
//                 integrated pending:(count (row content:string)*count)
//                 loose_deletes:(count delete*count)
//   integrated := method:byte raw_size:varint block:(count byte*count)
//                 method 0: block is `columns`; method 1: block is `columns` compressed by zlib
//                 (deflate.hpp), expanding to exactly raw_size bytes
//   columns    := runs:varint shape:bytes replica:bytes counter:bytes lamport:bytes
//                 origin:bytes deleted_by:bytes content:string      (bytes := count byte*count)
// The integrated runs are written in document order, column by column, so that like values sit
// together and compress well; each run adds to the columns as follows:
//   shape      length << 3 | kind << 1 | deleted, where kind says what the first character
//              follows and which columns the run uses:
//                0 continues the previous run: same replica, next counter, next Lamport
//                  timestamp, after that run's last character (no other column)
//                1 the previous run's last character
//                2 the character before it by the same replica (counter - 1)
//                3 what the origin column says
//   replica    (kinds 1-3) replica index
//   counter    (kinds 1-3) signed: counter - the previous run's end counter
//   lamport    (kinds 1-3) signed: (lamport - counter) - the same for this replica's last run
//   origin     (kind 3) 0 for the start of the text, else origin replica index + 1 then
//              signed: origin counter - counter
//   deleted_by (deleted runs) count, then per dot: replica index, signed: counter - the previous
//              dot's counter
//   content    the visible text; each visible run takes its code points in turn
// Differences are taken modulo 2^64 and written zigzag. A deleted run lists the dots of the
// deletes that removed it (two when two replicas deleted it concurrently); a run is split where
// that list changes, so no delete is written twice and none needs a record of its own. Inserts
// not integrated yet, and the parts of deletes whose characters are not (in a delta, or waiting
// in a state), are written as rows:
//   row      := replica:varint counter:varint origin:varint [origin_counter:varint]
//               lamport:varint length:varint deleted:bool [bytes:varint]   (bytes when visible)
//   delete   := replica:varint counter:varint target_replica:varint target_counter:varint
//               length:varint
// Loading checks every index, count and counter, that the runs take exactly the content's code
// points, that the content is valid UTF-8, and Text::well_formed(). `lamport` is the replica's
// Lamport clock, which deletes also advance.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crdt/serialization/access.hpp"
#include "crdt/serialization/causal.hpp"
#include "crdt/serialization/checked_archive.hpp"
#include "crdt/serialization/deflate.hpp"
#include "crdt/serialization/serializable.hpp"
#include "crdt/serialization/type_tag.hpp"
#include "crdt/text.hpp"

namespace crdt {

namespace serialization::detail {

// Below this many bytes the columns are written raw: deltas gain nothing from compression.
inline constexpr std::size_t kTextCompressFrom = 512;

// Replica ids by index, in the order first met.
struct ReplicaTable {
  std::vector<ReplicaId> ids;
  std::map<ReplicaId, std::uint64_t> index;

  std::uint64_t of(ReplicaId id) {
    auto [it, added] = index.try_emplace(id, ids.size());
    if (added) ids.push_back(id);
    return it->second;
  }
  std::uint64_t at(ReplicaId id) const { return index.at(id); }
};

template <class Archive>
ReplicaId replica_at(Archive& ar, const std::vector<ReplicaId>& ids, std::uint64_t index) {
  if (index >= ids.size()) fail_malformed(ar, "Text: replica index out of range");
  return ids[index];
}

inline std::int64_t difference(std::uint64_t a, std::uint64_t b) {
  return static_cast<std::int64_t>(a - b);
}
inline std::uint64_t plus(std::uint64_t a, std::int64_t d) {
  return a + static_cast<std::uint64_t>(d);
}

template <class Archive>
void check_run(Archive& ar, const crdt::detail::TextSpan& span) {
  if (span.length == 0 || span.id.counter == 0 || span.lamport == 0) {
    fail_malformed(ar, "Text: empty run or zero id");
  }
  if (span.id.counter > UINT64_MAX - span.length || span.lamport > UINT64_MAX - span.length) {
    fail_malformed(ar, "Text: run past the counter range");
  }
}

template <class Archive>
void save_row(Archive& ar, const ReplicaTable& table, const crdt::detail::TextSpan& span) {
  std::uint64_t origin = 0;
  if (span.origin.counter != 0) origin = table.at(span.origin.replica) + 1;
  fields(ar, table.at(span.id.replica), span.id.counter, origin);
  if (origin != 0) fields(ar, span.origin.counter);
  fields(ar, span.lamport, span.length, span.deleted);
  if (!span.deleted) fields(ar, span.bytes);
}

template <class Archive>
crdt::detail::TextSpan load_row(Archive& ar, const std::vector<ReplicaId>& ids) {
  crdt::detail::TextSpan span;
  std::uint64_t replica = 0, origin = 0;
  fields(ar, replica, span.id.counter, origin);
  span.id.replica = replica_at(ar, ids, replica);
  if (origin != 0) {
    fields(ar, span.origin.counter);
    span.origin.replica = replica_at(ar, ids, origin - 1);
    if (span.origin.counter == 0) fail_malformed(ar, "Text: origin counter 0");
  }
  fields(ar, span.lamport, span.length, span.deleted);
  if (!span.deleted) fields(ar, span.bytes);
  check_run(ar, span);
  return span;
}

// The part of a deleted run whose characters the same deletes removed.
struct DeletedSegment {
  std::size_t run = 0;  // document index of the run
  std::uint32_t begin = 0, end = 0;
  std::vector<Dot> dots;
};

template <class Record>
struct SplitDeletes {
  std::vector<DeletedSegment> segments;  // by run, then offset
  std::vector<Record> loose;             // the parts of deletes whose targets are not integrated
};

// Splits every deleted run of `sequence` where the set of deletes covering it changes, by a sweep
// over runs and delete records both sorted by id, and keeps aside what no run holds.
template <class Records, class Record = typename Records::value_type>
SplitDeletes<Record> split_deletes(const crdt::detail::SpanSequence& sequence,
                                   const Records& deletes) {
  struct Piece {
    Dot start;
    std::uint64_t end = 0;
    std::size_t run = 0;
  };
  struct Cover {
    Dot start;
    std::uint64_t end = 0;
    Dot dot;
  };
  std::vector<Piece> pieces;
  std::size_t run = 0;
  sequence.for_each([&](const crdt::detail::TextSpan& s) {
    if (s.deleted) pieces.push_back(Piece{s.id, s.end_counter(), run});
    ++run;
  });
  std::vector<Cover> covers;
  covers.reserve(deletes.size());
  for (const Record& r : deletes) {
    covers.push_back(Cover{r.target, r.target.counter + r.length, r.dot});
  }
  const auto by_start = [](const auto& a, const auto& b) { return a.start < b.start; };
  std::sort(pieces.begin(), pieces.end(), by_start);
  std::sort(covers.begin(), covers.end(), by_start);

  SplitDeletes<Record> split;
  std::vector<DeletedSegment>& out = split.segments;
  std::vector<Cover> active;
  std::vector<std::uint64_t> bounds;
  std::size_t next = 0;
  for (const Piece& piece : pieces) {
    const Dot piece_end{piece.start.replica, piece.end};
    while (next < covers.size() && covers[next].start < piece_end) active.push_back(covers[next++]);
    std::erase_if(active, [&](const Cover& c) {
      return c.start.replica != piece.start.replica || c.end <= piece.start.counter;
    });
    bounds.assign({piece.start.counter, piece.end});
    for (const Cover& c : active) {
      bounds.push_back(std::max(c.start.counter, piece.start.counter));
      bounds.push_back(std::min(c.end, piece.end));
    }
    std::sort(bounds.begin(), bounds.end());
    bounds.erase(std::unique(bounds.begin(), bounds.end()), bounds.end());
    for (std::size_t i = 0; i + 1 < bounds.size(); ++i) {
      std::vector<Dot> dots;
      for (const Cover& c : active) {
        if (c.start.counter <= bounds[i] && c.end >= bounds[i + 1]) dots.push_back(c.dot);
      }
      std::sort(dots.begin(), dots.end());
      dots.erase(std::unique(dots.begin(), dots.end()), dots.end());
      const auto begin = static_cast<std::uint32_t>(bounds[i] - piece.start.counter);
      const auto end = static_cast<std::uint32_t>(bounds[i + 1] - piece.start.counter);
      if (!out.empty() && out.back().run == piece.run && out.back().dots == dots) {
        out.back().end = end;
      } else {
        out.push_back(DeletedSegment{piece.run, begin, end, std::move(dots)});
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const DeletedSegment& a, const DeletedSegment& b) {
    return a.run != b.run ? a.run < b.run : a.begin < b.begin;
  });

  // Pieces have distinct ids, so sorted by start they are sorted by end too: the gaps between
  // those a delete overlaps are its loose parts.
  for (const Record& r : deletes) {
    const std::uint64_t end = r.target.counter + r.length;
    auto it = std::partition_point(pieces.begin(), pieces.end(), [&](const Piece& p) {
      return p.start.replica < r.target.replica ||
             (p.start.replica == r.target.replica && p.end <= r.target.counter);
    });
    std::uint64_t from = r.target.counter;
    for (; it != pieces.end() && it->start.replica == r.target.replica && it->start.counter < end &&
           from < end;
         ++it) {
      if (it->start.counter > from) {
        split.loose.push_back(Record{r.dot, Dot{r.target.replica, from},
                                     static_cast<std::uint32_t>(it->start.counter - from)});
      }
      from = std::max(from, it->end);
    }
    if (from < end) {
      split.loose.push_back(
          Record{r.dot, Dot{r.target.replica, from}, static_cast<std::uint32_t>(end - from)});
    }
  }
  return split;
}

// The columns of the integrated runs (see the grammar above).
struct TextColumns {
  std::uint64_t runs = 0;
  std::vector<std::uint8_t> shape, replica, counter, lamport, origin, deleted_by;
  std::string content;

  template <class Archive>
  void serialize(Archive& ar, const unsigned int) {
    fields(ar, runs, shape, replica, counter, lamport, origin, deleted_by, content);
  }
};

class TextColumnWriter {
 public:
  TextColumnWriter(const ReplicaTable& table, TextColumns& columns)
      : table_(&table),
        shape_(columns.shape),
        replica_(columns.replica),
        counter_(columns.counter),
        lamport_(columns.lamport),
        origin_(columns.origin),
        deleted_by_(columns.deleted_by),
        columns_(&columns),
        offsets_(table.ids.size(), 0) {}

  // Adds the next run in document order; runs that continue each other with the same deletes
  // are joined, so each state has one encoding.
  void add(const crdt::detail::TextSpan& run, const std::vector<Dot>& dots) {
    if (held_.length != 0 && run.id.replica == held_.id.replica &&
        run.id.counter == held_.end_counter() && run.lamport == held_.lamport + held_.length &&
        run.origin == held_.id_at(held_.length - 1) && run.deleted == held_.deleted &&
        dots == held_dots_ && std::uint64_t{held_.length} + run.length <= kMaxRun &&
        std::uint64_t{held_.bytes} + run.bytes <= kMaxRun) {
      held_.length += run.length;
      held_.bytes += run.bytes;
      return;
    }
    flush();
    held_ = run;
    held_dots_ = dots;
  }

  void flush() {
    if (held_.length != 0) write(held_, held_dots_);
    held_.length = 0;
  }

  // Runs longer than this are written as several.
  static constexpr std::uint64_t kMaxRun = UINT32_MAX / 2;

 private:
  void write(const crdt::detail::TextSpan& run, const std::vector<Dot>& dots) {
    const bool after_previous = previous_.length != 0 && run.origin == last_of_previous();
    unsigned kind = 3;
    if (after_previous && run.id.replica == previous_.id.replica &&
        run.id.counter == previous_.end_counter() &&
        run.lamport == previous_.lamport + previous_.length) {
      kind = 0;
    } else if (after_previous) {
      kind = 1;
    } else if (run.origin.counter != 0 && run.origin.replica == run.id.replica &&
               run.origin.counter + 1 == run.id.counter) {
      kind = 2;
    }
    shape_.write_varint(std::uint64_t{run.length} << 3 | kind << 1 | (run.deleted ? 1u : 0u));
    if (kind != 0) {
      const std::uint64_t r = table_->at(run.id.replica);
      replica_.write_varint(r);
      counter_.write_signed_varint(difference(run.id.counter, previous_end()));
      const std::uint64_t offset = run.lamport - run.id.counter;
      lamport_.write_signed_varint(difference(offset, offsets_[r]));
      offsets_[r] = offset;
      if (kind == 3) {
        if (run.origin.counter == 0) {
          origin_.write_varint(0);
        } else {
          origin_.write_varint(table_->at(run.origin.replica) + 1);
          origin_.write_signed_varint(difference(run.origin.counter, run.id.counter));
        }
      }
    }
    if (run.deleted) {
      deleted_by_.write_varint(dots.size());
      for (const Dot& dot : dots) {
        deleted_by_.write_varint(table_->at(dot.replica));
        deleted_by_.write_signed_varint(difference(dot.counter, previous_dot_));
        previous_dot_ = dot.counter;
      }
    }
    previous_ = run;
    ++columns_->runs;
  }

  Dot last_of_previous() const { return previous_.id_at(previous_.length - 1); }
  std::uint64_t previous_end() const { return previous_.length == 0 ? 0 : previous_.end_counter(); }

  const ReplicaTable* table_;
  CheckedOutputArchive shape_, replica_, counter_, lamport_, origin_, deleted_by_;
  TextColumns* columns_;
  std::vector<std::uint64_t> offsets_;
  crdt::detail::TextSpan previous_{};
  std::uint64_t previous_dot_ = 0;
  crdt::detail::TextSpan held_{};
  std::vector<Dot> held_dots_;
};

// Reads the columns back into runs, checking each field as it goes.
class TextColumnReader {
 public:
  TextColumnReader(const std::vector<ReplicaId>& ids, const TextColumns& columns)
      : ids_(&ids),
        shape_(columns.shape),
        replica_(columns.replica),
        counter_(columns.counter),
        lamport_(columns.lamport),
        origin_(columns.origin),
        deleted_by_(columns.deleted_by),
        offsets_(ids.size(), 0) {}

  // The next run (with its bytes still 0); the dots that deleted it are appended to `dots`.
  crdt::detail::TextSpan next(bool& continues, std::vector<Dot>& dots) {
    crdt::detail::TextSpan run;
    const std::uint64_t shape = shape_.read_varint();
    run.deleted = (shape & 1) != 0;
    const auto kind = static_cast<unsigned>(shape >> 1 & 3);
    const std::uint64_t length = shape >> 3;
    if (length == 0 || length > UINT32_MAX) fail_malformed(shape_, "Text: run length");
    run.length = static_cast<std::uint32_t>(length);
    continues = kind == 0;
    if (kind == 0) {
      if (previous_.length == 0) fail_malformed(shape_, "Text: first run continues nothing");
      run.id = Dot{previous_.id.replica, previous_.end_counter()};
      run.origin = previous_.id_at(previous_.length - 1);
      run.lamport = previous_.lamport + previous_.length;
    } else {
      const std::uint64_t r = replica_.read_varint();
      run.id.replica = replica_at(replica_, *ids_, r);
      const std::uint64_t end = previous_.length == 0 ? 0 : previous_.end_counter();
      run.id.counter = plus(end, counter_.read_signed_varint());
      offsets_[r] = plus(offsets_[r], lamport_.read_signed_varint());
      run.lamport = run.id.counter + offsets_[r];
      if (kind == 1) {
        if (previous_.length == 0) fail_malformed(shape_, "Text: first run follows nothing");
        run.origin = previous_.id_at(previous_.length - 1);
      } else if (kind == 2) {
        if (run.id.counter < 2) fail_malformed(counter_, "Text: no character before the run");
        run.origin = Dot{run.id.replica, run.id.counter - 1};
      } else if (const std::uint64_t o = origin_.read_varint(); o != 0) {
        run.origin.replica = replica_at(origin_, *ids_, o - 1);
        run.origin.counter = plus(run.id.counter, origin_.read_signed_varint());
        if (run.origin.counter == 0) fail_malformed(origin_, "Text: origin counter 0");
      }
    }
    check_run(shape_, run);
    if (run.deleted) {
      const std::uint64_t count = deleted_by_.read_varint();
      if (count > deleted_by_.remaining()) fail_malformed(deleted_by_, "Text: delete count");
      for (std::uint64_t i = 0; i < count; ++i) {
        const ReplicaId replica = replica_at(deleted_by_, *ids_, deleted_by_.read_varint());
        previous_dot_ = plus(previous_dot_, deleted_by_.read_signed_varint());
        if (previous_dot_ == 0) fail_malformed(deleted_by_, "Text: delete counter 0");
        dots.push_back(Dot{replica, previous_dot_});
      }
    }
    previous_ = run;
    return run;
  }

  bool at_end() const {
    return shape_.at_end() && replica_.at_end() && counter_.at_end() && lamport_.at_end() &&
           origin_.at_end() && deleted_by_.at_end();
  }

 private:
  const std::vector<ReplicaId>* ids_;
  CheckedInputArchive shape_, replica_, counter_, lamport_, origin_, deleted_by_;
  std::vector<std::uint64_t> offsets_;
  crdt::detail::TextSpan previous_{};
  std::uint64_t previous_dot_ = 0;
};

// Bytes of the next `length` code points of valid UTF-8 `text` from `offset`; 0 past the end.
inline std::size_t code_point_bytes(std::string_view text, std::size_t offset,
                                    std::uint32_t length) {
  std::size_t pos = offset;
  for (std::uint32_t i = 0; i < length; ++i) {
    if (pos >= text.size()) return 0;
    ++pos;
    while (pos < text.size() && (static_cast<unsigned char>(text[pos]) & 0xC0) == 0x80) ++pos;
  }
  return pos - offset;
}

// The bytes of `content` from `offset` hold exactly `length` code points in `bytes` bytes.
inline bool holds_code_points(std::string_view content, std::uint64_t offset, std::uint32_t bytes,
                              std::uint32_t length) {
  if (offset > content.size() || bytes > content.size() - offset) return false;
  const std::string_view part = content.substr(offset, bytes);
  return crdt::utf8::valid(part) && crdt::utf8::length(part) == length;
}

}  // namespace serialization::detail

template <class Archive>
void serialize(Archive& ar, Text& text, const unsigned int) {
  auto [sequence, visible, pending, deletes, pending_deletes, context, max_lamport] =
      SerializationAccess::text_members(text);
  using PendingInsert = typename std::remove_reference_t<decltype(pending)>::value_type;
  using DeleteRecord = typename std::remove_reference_t<decltype(deletes)>::value_type;
  namespace sd = serialization::detail;
  using boost::serialization::collection_size_type;

  if constexpr (Archive::is_saving::value) {
    // Every replica any field names, before anything refers to one by index: the context's,
    // then, in id order, those only a waiting insert or delete names.
    sd::ReplicaTable table;
    for (const auto& [replica, ranges] : context.entries()) table.of(replica);
    std::set<ReplicaId> others;
    for (const PendingInsert& p : pending) {
      others.insert(p.span.id.replica);
      if (p.span.origin.counter != 0) others.insert(p.span.origin.replica);
    }
    for (const DeleteRecord& r : deletes) {
      others.insert(r.dot.replica);
      others.insert(r.target.replica);
    }
    for (ReplicaId replica : others) table.of(replica);
    serialization::fields(ar, context, table.ids, max_lamport);

    sd::TextColumns columns;
    columns.content = visible.str();
    sd::SplitDeletes<DeleteRecord> split;
    {
      sd::TextColumnWriter writer(table, columns);
      split = sd::split_deletes(sequence, deletes);
      const std::vector<sd::DeletedSegment>& segments = split.segments;
      const std::vector<Dot> none;
      std::size_t run = 0;
      std::size_t next = 0;
      sequence.for_each([&](const crdt::detail::TextSpan& s) {
        if (!s.deleted) {
          writer.add(s, none);
        } else {
          for (; next < segments.size() && segments[next].run == run; ++next) {
            const sd::DeletedSegment& segment = segments[next];
            crdt::detail::TextSpan part = s;
            part.id.counter += segment.begin;
            part.lamport += segment.begin;
            part.length = segment.end - segment.begin;
            if (segment.begin > 0) part.origin = s.id_at(segment.begin - 1);
            writer.add(part, segment.dots);
          }
        }
        ++run;
      });
      writer.flush();
    }
    std::vector<std::uint8_t> raw;
    {
      serialization::CheckedOutputArchive inner(raw);
      inner << columns;
    }
    // The method follows from the size, so a reader can insist on it.
    const bool compress = raw.size() >= sd::kTextCompressFrom;
    const std::uint8_t method = compress ? 1 : 0;
    serialization::fields(ar, method, std::uint64_t{raw.size()});
    serialization::fields(ar, compress ? sd::deflate_bytes(raw) : raw);

    serialization::fields(ar, collection_size_type(pending.size()));
    for (const PendingInsert& p : pending) {
      sd::save_row(ar, table, p.span);
      serialization::fields(ar, p.content);
    }
    serialization::fields(ar, collection_size_type(split.loose.size()));
    for (const DeleteRecord& r : split.loose) {
      serialization::fields(ar, table.at(r.dot.replica), r.dot.counter, table.at(r.target.replica),
                            r.target.counter, r.length);
    }
  } else {
    text = Text{};
    std::vector<ReplicaId> ids;
    std::uint64_t written_lamport = 0;
    serialization::fields(ar, context, ids, written_lamport);

    std::uint8_t method = 0;
    std::uint64_t raw_size = 0;
    std::vector<std::uint8_t> block;
    serialization::fields(ar, method, raw_size, block);
    std::vector<std::uint8_t> raw;
    if (method != (raw_size >= sd::kTextCompressFrom ? 1 : 0)) {
      sd::fail_malformed(ar, "Text: block method does not match its size");
    }
    if (method == 0) {
      if (raw_size != block.size()) sd::fail_malformed(ar, "Text: raw block size");
      raw = std::move(block);
    } else if (method != 1 || !sd::inflate_bytes(block, static_cast<std::size_t>(raw_size), raw)) {
      sd::fail_malformed(ar, "Text: compressed block does not inflate");
    }
    sd::TextColumns columns;
    serialization::CheckedInputArchive inner(raw);
    inner >> columns;
    if (!inner.at_end()) sd::fail_malformed(ar, "Text: bytes after the columns");
    if (columns.runs > columns.shape.size()) sd::fail_malformed(ar, "Text: run count");
    const std::string& content = columns.content;
    if (!utf8::valid(content)) sd::fail_malformed(ar, "Text: content is not UTF-8");

    sd::TextColumnReader reader(ids, columns);
    std::vector<Dot> dots;
    std::uint64_t lamport = 0;
    std::size_t offset = 0;
    crdt::detail::TextSpan current{};
    std::size_t previous_first_dot = 0;
    for (std::uint64_t i = 0; i < columns.runs; ++i) {
      bool continues = false;
      const std::size_t first_dot = dots.size();
      crdt::detail::TextSpan run = reader.next(continues, dots);
      if (continues && run.deleted == current.deleted &&
          std::uint64_t{current.length} + run.length <= sd::TextColumnWriter::kMaxRun &&
          std::equal(dots.begin() + static_cast<std::ptrdiff_t>(previous_first_dot),
                     dots.begin() + static_cast<std::ptrdiff_t>(first_dot),
                     dots.begin() + static_cast<std::ptrdiff_t>(first_dot), dots.end())) {
        sd::fail_malformed(ar, "Text: a run split where nothing changes");
      }
      previous_first_dot = first_dot;
      for (std::size_t d = first_dot; d < dots.size(); ++d) {
        // A run split only where its deletes change continues the record of the one before.
        if (continues && dots.size() - first_dot == 1 && !deletes.empty() &&
            deletes.back().dot == dots[d] && deletes.back().target.replica == run.id.replica &&
            deletes.back().target.counter + deletes.back().length == run.id.counter &&
            std::uint64_t{deletes.back().length} + run.length <= UINT32_MAX) {
          deletes.back().length += run.length;
        } else {
          deletes.push_back(DeleteRecord{dots[d], run.id, run.length});
        }
      }
      if (!run.deleted) {
        const std::size_t bytes = sd::code_point_bytes(content, offset, run.length);
        if (bytes == 0 || bytes > UINT32_MAX / 2) {
          sd::fail_malformed(ar, "Text: run longer than the content");
        }
        run.bytes = static_cast<std::uint32_t>(bytes);
        offset += bytes;
      }
      lamport = std::max(lamport, run.lamport + run.length - 1);
      if (continues && current.deleted == run.deleted &&
          std::uint64_t{current.length} + run.length <= sd::TextColumnWriter::kMaxRun &&
          std::uint64_t{current.bytes} + run.bytes <= sd::TextColumnWriter::kMaxRun) {
        current.length += run.length;
        current.bytes += run.bytes;
      } else {
        if (current.length != 0) sequence.push_back(current);
        current = run;
      }
    }
    if (current.length != 0) sequence.push_back(current);
    if (!reader.at_end()) sd::fail_malformed(ar, "Text: columns longer than their runs");
    if (offset != content.size()) sd::fail_malformed(ar, "Text: content longer than its runs");
    visible.insert(0, content);

    collection_size_type count;
    serialization::fields(ar, count);
    for (std::size_t i = 0; i < static_cast<std::size_t>(std::as_const(count)); ++i) {
      PendingInsert p{sd::load_row(ar, ids), {}};
      serialization::fields(ar, p.content);
      const std::uint32_t bytes = p.span.deleted ? 0 : p.span.bytes;
      if (bytes != p.content.size() ||
          (!p.span.deleted && !sd::holds_code_points(p.content, 0, bytes, p.span.length))) {
        sd::fail_malformed(ar, "Text: pending content does not match its length");
      }
      lamport = std::max(lamport, p.span.lamport + p.span.length - 1);
      pending.push_back(std::move(p));
    }
    serialization::fields(ar, count);
    for (std::size_t i = 0; i < static_cast<std::size_t>(std::as_const(count)); ++i) {
      std::uint64_t dot_replica = 0, target_replica = 0;
      DeleteRecord r{};
      serialization::fields(ar, dot_replica, r.dot.counter, target_replica, r.target.counter,
                            r.length);
      r.dot.replica = sd::replica_at(ar, ids, dot_replica);
      r.target.replica = sd::replica_at(ar, ids, target_replica);
      if (r.length == 0 || r.target.counter == 0 || r.dot.counter == 0 ||
          r.target.counter > UINT64_MAX - r.length) {
        sd::fail_malformed(ar, "Text: empty delete");
      }
      pending_deletes.push_back(r);
      deletes.push_back(r);
    }
    if (written_lamport < lamport) sd::fail_malformed(ar, "Text: clock behind its characters");
    max_lamport = written_lamport;
  }
  serialization::detail::require_well_formed(ar, text.well_formed(), "Text");
}

}  // namespace crdt

namespace crdt::serialization {

template <>
struct TypeTag<Text> {
  static std::string name() { return "text"; }
};

}  // namespace crdt::serialization
