// Serializer for Text.
//
// Encoding (primitives in checked_archive.hpp, version_vector in causal.hpp):
//   text     := context:version_vector replicas:(count replica_id*count)
//               runs:(count run*count) content:string
//               pending:(count (run content:string)*count)
//               deletes:(count delete*count) pending_deletes:(count delete*count)
//   run      := replica:varint counter:varint origin:varint [origin_counter:varint]
//               lamport:varint length:varint deleted:bool [bytes:varint]   (bytes when visible)
//   delete   := replica:varint counter:varint target_replica:varint target_counter:varint
//               length:varint
// Replicas are written once and named by their index; `origin` is 0 for the start of the text,
// else the origin's replica index + 1, followed by its counter. Integrated runs come in document
// order and share one content string, the visible text; a run of consecutive characters is one
// run, however many characters it holds. The Lamport clock is not written: it is the largest
// Lamport timestamp of any character. Loading checks every index, that each visible run's bytes
// hold exactly its code points, that the content is valid UTF-8, and Text::well_formed().
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crdt/serialization/access.hpp"
#include "crdt/serialization/causal.hpp"
#include "crdt/serialization/checked_archive.hpp"
#include "crdt/serialization/serializable.hpp"
#include "crdt/serialization/type_tag.hpp"
#include "crdt/text.hpp"

namespace crdt {

namespace serialization::detail {

// Replica ids by index, in the order first met.
struct ReplicaTable {
  std::vector<ReplicaId> ids;
  std::map<ReplicaId, std::uint64_t> index;

  std::uint64_t of(ReplicaId id) {
    auto [it, added] = index.try_emplace(id, ids.size());
    if (added) ids.push_back(id);
    return it->second;
  }
};

template <class Archive>
ReplicaId replica_at(Archive& ar, const std::vector<ReplicaId>& ids, std::uint64_t index) {
  if (index >= ids.size()) fail_malformed(ar, "Text: replica index out of range");
  return ids[index];
}

template <class Archive>
void save_run(Archive& ar, ReplicaTable& table, const crdt::detail::TextSpan& span) {
  std::uint64_t origin = 0;
  if (span.origin.counter != 0) origin = table.of(span.origin.replica) + 1;
  fields(ar, table.of(span.id.replica), span.id.counter, origin);
  if (origin != 0) fields(ar, span.origin.counter);
  fields(ar, span.lamport, span.length, span.deleted);
  if (!span.deleted) fields(ar, span.bytes);
}

template <class Archive>
crdt::detail::TextSpan load_run(Archive& ar, const std::vector<ReplicaId>& ids) {
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
  if (span.length == 0 || span.id.counter == 0 || span.lamport == 0) {
    fail_malformed(ar, "Text: empty run or zero id");
  }
  if (span.id.counter > UINT64_MAX - span.length || span.lamport > UINT64_MAX - span.length) {
    fail_malformed(ar, "Text: run past the counter range");
  }
  return span;
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

  if constexpr (Archive::is_saving::value) {
    sd::ReplicaTable table;
    for (const auto& [replica, ranges] : context.entries()) table.of(replica);
    serialization::fields(ar, context, table.ids);
    const std::string content = visible.str();
    std::vector<crdt::detail::TextSpan> spans;
    spans.reserve(sequence.span_count());
    sequence.for_each([&](const crdt::detail::TextSpan& s) { spans.push_back(s); });
    serialization::fields(ar, boost::serialization::collection_size_type(spans.size()));
    for (const auto& s : spans) sd::save_run(ar, table, s);
    serialization::fields(ar, content, boost::serialization::collection_size_type(pending.size()));
    for (const PendingInsert& p : pending) {
      sd::save_run(ar, table, p.span);
      serialization::fields(ar, p.content);
    }
    for (const auto* list : {&deletes, &pending_deletes}) {
      serialization::fields(ar, boost::serialization::collection_size_type(list->size()));
      for (const DeleteRecord& r : *list) {
        serialization::fields(ar, table.of(r.dot.replica), r.dot.counter,
                              table.of(r.target.replica), r.target.counter, r.length);
      }
    }
  } else {
    text = Text{};
    std::vector<ReplicaId> ids;
    serialization::fields(ar, context, ids);
    boost::serialization::collection_size_type count;
    serialization::fields(ar, count);
    std::vector<crdt::detail::TextSpan> spans;
    for (std::size_t i = 0; i < static_cast<std::size_t>(std::as_const(count)); ++i) {
      spans.push_back(sd::load_run(ar, ids));
    }
    std::string content;
    serialization::fields(ar, content);
    std::uint64_t offset = 0;
    std::uint64_t lamport = 0;
    for (const auto& s : spans) {
      if (!s.deleted) {
        if (!sd::holds_code_points(content, offset, s.bytes, s.length)) {
          sd::fail_malformed(ar, "Text: run content does not match its length");
        }
        offset += s.bytes;
      }
      lamport = std::max(lamport, s.lamport + s.length - 1);
      sequence.push_back(s);
    }
    if (offset != content.size()) sd::fail_malformed(ar, "Text: content longer than its runs");
    visible.insert(0, content);
    serialization::fields(ar, count);
    for (std::size_t i = 0; i < static_cast<std::size_t>(std::as_const(count)); ++i) {
      PendingInsert p{sd::load_run(ar, ids), {}};
      serialization::fields(ar, p.content);
      const std::uint32_t bytes = p.span.deleted ? 0 : p.span.bytes;
      if (bytes != p.content.size() ||
          (!p.span.deleted && !sd::holds_code_points(p.content, 0, bytes, p.span.length))) {
        sd::fail_malformed(ar, "Text: pending content does not match its length");
      }
      lamport = std::max(lamport, p.span.lamport + p.span.length - 1);
      pending.push_back(std::move(p));
    }
    for (auto* list : {&deletes, &pending_deletes}) {
      serialization::fields(ar, count);
      for (std::size_t i = 0; i < static_cast<std::size_t>(std::as_const(count)); ++i) {
        std::uint64_t dot_replica = 0, target_replica = 0;
        DeleteRecord r{};
        serialization::fields(ar, dot_replica, r.dot.counter, target_replica, r.target.counter,
                              r.length);
        r.dot.replica = sd::replica_at(ar, ids, dot_replica);
        r.target.replica = sd::replica_at(ar, ids, target_replica);
        if (r.length == 0 || r.target.counter == 0 || r.dot.counter == 0) {
          sd::fail_malformed(ar, "Text: empty delete");
        }
        list->push_back(r);
      }
    }
    max_lamport = lamport;
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
