#include "local_replica.hpp"

#include <algorithm>
#include <chrono>
#include <string>
#include <utility>

#include "crdt/causal/version_vector.hpp"
#include "crdt/serialization/causal.hpp"
#include "crdt/serialization/codec.hpp"

namespace crdt::sync {

namespace {

// A read-only connection to the store's file, knowing the store's types.
persist::Store open_reader(persist::SharedStore& store) {
  return store.with_store([](persist::Store& s) {
    persist::Options options;
    options.read_only = true;
    options.create = false;
    persist::Store reader = persist::Store::open(s.file(), options);
    for (const auto& tag : s.registered_types()) {
      if (reader.find_type(tag) == nullptr) reader.register_type(*s.find_type(tag));
    }
    return reader;
  });
}

}  // namespace

LocalReplica::LocalReplica(persist::SharedStore& store, std::size_t cache_bytes)
    : store_(store), reader_(open_reader(store)), cache_bytes_(cache_bytes) {
  id_ = store_.with_store([](persist::Store& s) { return s.replica(); });
  head_ = reader_.replication().log_bounds().last_seq;
  cache_floor_ = head_;
}

std::vector<LogEntryRef> LocalReplica::poll() {
  std::vector<LogEntryRef> fresh;
  for (;;) {
    auto batch = read([&](persist::Store& s) { return s.replication().deltas_since(head_, 4096); });
    if (batch.empty()) break;
    head_ = batch.back().seq;
    for (auto& entry : batch) {
      fresh.push_back(std::make_shared<const persist::LogEntry>(std::move(entry)));
    }
    if (fresh.size() >= 65536) break;  // the rest at the next poll, so the loop stays responsive
  }
  for (const auto& entry : fresh) {
    stale_.insert(entry->document);
    cached_bytes_ += entry->delta.size() + entry->document.size();
    cache_.push_back(entry);
  }
  while (!cache_.empty() && cached_bytes_ > cache_bytes_) {
    cached_bytes_ -= cache_.front()->delta.size() + cache_.front()->document.size();
    cache_floor_ = cache_.front()->seq;
    cache_.pop_front();
  }
  if (cache_.empty()) cache_floor_ = head_;
  return fresh;
}

std::vector<LogEntryRef> LocalReplica::entries_since(std::uint64_t after, std::size_t limit,
                                                     std::size_t max_bytes) {
  std::vector<LogEntryRef> out;
  std::size_t bytes = 0;
  if (after >= cache_floor_) {
    auto it = std::upper_bound(
        cache_.begin(), cache_.end(), after,
        [](std::uint64_t seq, const LogEntryRef& entry) { return seq < entry->seq; });
    for (; it != cache_.end() && out.size() < limit && (out.empty() || bytes < max_bytes); ++it) {
      bytes += (*it)->delta.size();
      out.push_back(*it);
    }
    return out;
  }
  // Behind the cache: read the store, in pieces so a long log is never loaded whole.
  std::uint64_t cursor = after;
  while (out.size() < limit && (out.empty() || bytes < max_bytes)) {
    const std::size_t want = std::min<std::size_t>(limit - out.size(), 256);
    auto batch =
        read([&](persist::Store& s) { return s.replication().deltas_since(cursor, want); });
    if (batch.empty()) break;
    for (auto& entry : batch) {
      if (entry.seq > head_) break;  // not polled yet: it comes with the cache
      cursor = entry.seq;
      bytes += entry.delta.size();
      out.push_back(std::make_shared<const persist::LogEntry>(std::move(entry)));
      if (out.size() >= limit || bytes >= max_bytes) break;
    }
    if (batch.size() < want || cursor >= head_) break;
  }
  return out;
}

const persist::DocumentType* LocalReplica::type(const std::string& tag) {
  auto it = types_.find(tag);
  if (it != types_.end()) return it->second;
  // A removal record's baseline is a state of the document's type, and joins like one.
  const std::string_view name =
      std::string_view(tag).starts_with(persist::kRemovalTypePrefix)
          ? std::string_view(tag).substr(persist::kRemovalTypePrefix.size())
          : std::string_view(tag);
  const persist::DocumentType* found = reader_.find_type(name);
  if (found == nullptr) {
    // Registered with the store after this replica opened its reader.
    found = store_.with_store([&](persist::Store& s) { return s.find_type(name); });
    if (found != nullptr) reader_.register_type(*found);
  }
  if (found != nullptr) types_.emplace(tag, found);
  return found;
}

std::vector<DeltaItem> LocalReplica::join(const std::vector<const persist::LogEntry*>& entries) {
  // Group by (document, type) keeping first-appearance order.
  std::vector<DeltaItem> out;
  std::map<std::pair<std::string_view, std::string_view>, std::size_t> slot;
  std::vector<std::vector<const persist::LogEntry*>> groups;
  for (const auto* entry : entries) {
    auto [it, inserted] = slot.try_emplace({entry->document, entry->type}, groups.size());
    if (inserted) groups.emplace_back();
    groups[it->second].push_back(entry);
  }
  out.reserve(groups.size());
  for (const auto& group : groups) {
    const auto& first = *group.front();
    DeltaItem item{first.document, first.type, {}};
    const persist::DocumentType* doc_type = group.size() > 1 ? type(first.type) : nullptr;
    std::unique_ptr<persist::AnyDocument> joined;
    std::string error;
    if (doc_type != nullptr) joined = doc_type->decode(first.delta, SIZE_MAX, error);
    if (joined) {
      bool ok = true;
      for (std::size_t i = 1; i < group.size() && ok; ++i) {
        ok = joined->merge_frame(group[i]->delta, SIZE_MAX, error).has_value();
      }
      if (ok) {
        item.delta = joined->encode();
        out.push_back(std::move(item));
        continue;
      }
    }
    // Not joinable here (an unknown type, or one entry alone): sent one by one.
    for (const auto* entry : group)
      out.push_back(DeltaItem{entry->document, entry->type, entry->delta});
  }
  return out;
}

std::size_t merge_slice(persist::Store& store, const std::vector<DeltaItem>& items,
                        std::size_t next, ReplicaId origin, const MergeSlice& slice,
                        MergeOutcome& outcome) {
  using Clock = std::chrono::steady_clock;
  if (next >= items.size()) return next;  // an empty message: no transaction, no fsync
  const auto started = Clock::now();
  MergeOutcome part;
  std::size_t index = next;
  store.batch([&](persist::Batch& batch) {
    std::size_t bytes = 0;
    for (; index < items.size(); ++index) {
      if (index > next) {
        const auto past = [&](std::size_t factor) {
          return index - next >= slice.max_items * factor || bytes >= slice.max_bytes * factor ||
                 (slice.max_ms > 0 &&
                  Clock::now() - started >= std::chrono::milliseconds(slice.max_ms * factor));
        };
        if (past(1) && (!slice.contended || slice.contended() || past(slice.alone_factor))) break;
      }
      const DeltaItem& item = items[index];
      bytes += item.delta.size();
      // A removal record's baseline is a state of the document's type.
      const std::string_view name =
          std::string_view(item.type).starts_with(persist::kRemovalTypePrefix)
              ? std::string_view(item.type).substr(persist::kRemovalTypePrefix.size())
              : std::string_view(item.type);
      if (store.find_type(name) == nullptr) {
        part.unknown_types.push_back(item.type);
        continue;
      }
      const auto result = batch.merge_remote(item.document, item.type, item.delta, origin);
      if (result.changed) ++part.changed;
      if (result.conflict && result.changed) part.conflicts.push_back(item);
    }
  });
  // Committed: only now does it count.
  outcome.changed += part.changed;
  for (auto& item : part.conflicts) outcome.conflicts.push_back(std::move(item));
  for (auto& type : part.unknown_types) outcome.unknown_types.push_back(std::move(type));
  return index;
}

ReplicaReader::ResumePoint LocalReplica::resume_point(ReplicaId peer) {
  ResumePoint out;
  read([&](persist::Store& s) {
    for (const auto& info : s.replication().peers()) {
      if (info.id == peer) out.acknowledged = info.acknowledged;
    }
    out.truncated_through = s.replication().log_bounds().truncated_through;
  });
  return out;
}

void LocalReplica::touched(const std::string& id) { stale_.insert(id); }

Bytes LocalReplica::context_bytes(const std::string& id, const std::string& type) {
  const persist::DocumentType* doc_type = this->type(type);  // outside: it takes the store too
  const VersionVector context = read([&](persist::Store& s) -> VersionVector {
    auto info = s.info(id, true);
    if (info && info->type == type) return s.context(id);
    std::optional<Bytes> frame;
    if (std::string_view(type).starts_with(persist::kRemovalTypePrefix)) {
      auto record = s.replication().removal_record(id);
      if (record) frame = std::move(record->baseline);
    } else {
      frame = s.replication().conflict_state(id, type);
    }
    if (!frame || doc_type == nullptr) return {};
    std::string error;
    auto state = doc_type->decode(*frame, SIZE_MAX, error);
    return state ? state->context() : VersionVector{};
  });
  return serialization::encode(context);
}

std::optional<Bytes> LocalReplica::delta_for(const std::string& id, const std::string& type,
                                             const Bytes& known_context) {
  VersionVector known;
  if (!known_context.empty()) {
    auto decoded = serialization::decode<VersionVector>(known_context);
    if (decoded) known = std::move(decoded).value();
  }
  return read([&](persist::Store& s) -> std::optional<Bytes> {
    auto info = s.info(id, true);
    if (info && info->type == type) return s.replication().delta_since(id, known);
    if (std::string_view(type).starts_with(persist::kRemovalTypePrefix)) {
      auto record = s.replication().removal_record(id);
      return record ? std::optional<Bytes>(std::move(record->baseline)) : std::nullopt;
    }
    return s.replication().conflict_state(id, type);
  });
}

std::vector<DigestIndex::Part> LocalReplica::parts_of(
    const std::string& id, const std::string& type,
    const std::vector<std::string>& conflict_types) {
  std::vector<DigestIndex::Part> parts;
  parts.push_back({type, DigestIndex::hash_of(id, type, context_bytes(id, type))});
  for (const auto& other : conflict_types) {
    parts.push_back({other, DigestIndex::hash_of(id, other, context_bytes(id, other))});
  }
  // A removal record is state a peer must learn too.
  const auto removal = read([&](persist::Store& s) { return s.replication().removal_record(id); });
  if (removal) {
    const std::string record = std::string(persist::kRemovalTypePrefix) + removal->type;
    parts.push_back({record, DigestIndex::hash_of(id, record, context_bytes(id, record))});
  }
  return parts;
}

const DigestIndex& LocalReplica::digests() {
  if (index_built_ && stale_.empty()) return index_;
  // The type-conflict states of every document, read once for the whole refresh.
  std::map<std::string, std::vector<std::string>, std::less<>> conflict_types;
  for (const auto& conflict : read([](persist::Store& s) { return s.conflicts(); })) {
    conflict_types[conflict.id].push_back(conflict.type);
  }
  static const std::vector<std::string> kNone;
  const auto put = [&](const std::string& id, const std::string& type) {
    auto it = conflict_types.find(id);
    index_.put(id, parts_of(id, type, it == conflict_types.end() ? kNone : it->second));
  };
  if (!index_built_) {
    index_built_ = true;
    index_.clear();
    for (const auto& info :
         read([](persist::Store& s) { return s.replication().list_with_removed(); })) {
      put(info.id, info.type);
    }
  } else {
    for (const auto& id : stale_) {
      auto info = read([&](persist::Store& s) { return s.info(id, true); });
      if (info) {
        put(id, info->type);
      } else {
        index_.erase(id);
      }
    }
  }
  stale_.clear();
  return index_;
}

}  // namespace crdt::sync
