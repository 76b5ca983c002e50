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

// The name of the type whose states a log or digest type tag holds: a removal record's baseline
// is a state of the document's type.
std::string_view state_type_name(std::string_view tag) {
  return tag.starts_with(persist::kRemovalTypePrefix)
             ? tag.substr(persist::kRemovalTypePrefix.size())
             : tag;
}

// The causal context of document `id`'s state of `type` (its own, a conflict state's, or its
// removal record's baseline) as `s` holds it.
VersionVector context_in(persist::Store& s, const std::string& id, const std::string& type,
                         const persist::DocumentType* doc_type) {
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
}

// Document `id`'s digest parts as `s` holds it: its type's, each conflict state's, its removal
// record's (state a peer must learn too). A type `resolve` does not know hashes what can be read
// without it, or, when `strict`, makes the answer nullopt.
std::optional<std::vector<DigestIndex::Part>> parts_in(
    persist::Store& s, const std::string& id, const std::string& type,
    const std::vector<std::string>& conflict_types,
    const std::function<const persist::DocumentType*(const std::string&)>& resolve, bool strict) {
  std::vector<DigestIndex::Part> parts;
  const auto add = [&](const std::string& tag) {
    const persist::DocumentType* doc_type = resolve(tag);
    if (doc_type == nullptr && strict) return false;
    parts.push_back({tag, DigestIndex::hash_of(
                              id, tag, serialization::encode(context_in(s, id, tag, doc_type)))});
    return true;
  };
  if (!add(type)) return std::nullopt;
  for (const auto& other : conflict_types) {
    if (!add(other)) return std::nullopt;
  }
  if (const auto removal = s.replication().removal_record(id)) {
    if (!add(std::string(persist::kRemovalTypePrefix) + removal->type)) return std::nullopt;
  }
  return parts;
}

// Every document's conflict states' types, read once for a whole refresh.
std::map<std::string, std::vector<std::string>, std::less<>> conflict_types_in(persist::Store& s) {
  std::map<std::string, std::vector<std::string>, std::less<>> out;
  for (const auto& conflict : s.conflicts()) out[conflict.id].push_back(conflict.type);
  return out;
}

const std::vector<std::string> kNoConflicts;

const std::vector<std::string>& conflicts_of(
    const std::map<std::string, std::vector<std::string>, std::less<>>& all,
    const std::string& id) {
  auto it = all.find(id);
  return it == all.end() ? kNoConflicts : it->second;
}

// Whether a document can go to a peer: a file written before the id limit existed may hold longer
// ids, which no peer takes; offering one would end every session, so it is not offered at all.
bool offered(std::string_view id) { return id.size() <= persist::kMaxDocumentIdBytes; }

}  // namespace

std::vector<DigestRefresh::Result> DigestRefresh::compute(persist::Store& reader) const {
  const auto resolve = [&reader](const std::string& tag) {
    return reader.find_type(state_type_name(tag));
  };
  const auto conflicts = conflict_types_in(reader);
  std::vector<Result> out;
  const auto put = [&](const std::string& id, const std::string& type) {
    if (!offered(id)) return;
    Result result{id, {}, false, false};
    if (auto parts = parts_in(reader, id, type, conflicts_of(conflicts, id), resolve, true)) {
      result.parts = std::move(*parts);
    } else {
      result.unknown = true;
    }
    out.push_back(std::move(result));
  };
  if (full) {
    for (const auto& info : reader.replication().list_with_removed()) put(info.id, info.type);
    return out;
  }
  for (const auto& id : ids) {
    if (auto info = reader.info(id, true)) {
      put(id, info->type);
    } else {
      out.push_back(Result{id, {}, true, false});
    }
  }
  return out;
}

LocalReplica::LocalReplica(persist::SharedStore& store, std::size_t cache_bytes)
    : store_(store),
      reader_(open_reader(store)),
      cache_bytes_(cache_bytes),
      background_reader_(std::make_shared<BackgroundReader>(store)) {
  id_ = store_.with_store([](persist::Store& s) { return s.replica(); });
  head_ = reader_.replication().log_bounds().last_seq;
  cache_floor_ = head_;
}

std::vector<LogEntryRef> LocalReplica::poll() {
  std::vector<LogEntryRef> fresh;
  std::size_t bytes = 0;
  poll_more_ = false;
  for (;;) {
    auto batch = read([&](persist::Store& s) { return s.replication().deltas_since(head_, 256); });
    if (batch.empty()) break;
    head_ = batch.back().seq;
    for (auto& entry : batch) {
      bytes += entry.delta.size();
      fresh.push_back(std::make_shared<const persist::LogEntry>(std::move(entry)));
    }
    // The rest at the next poll (the engine polls again at once), so that a large write by
    // another process is read in pieces between the sessions' work.
    if (fresh.size() >= kPollEntries || bytes >= kPollBytes) {
      poll_more_ = true;
      break;
    }
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

std::optional<std::vector<LogEntryRef>> LocalReplica::entries_since(std::uint64_t after,
                                                                    std::size_t limit,
                                                                    std::size_t max_bytes) {
  if (after >= cache_floor_) {
    std::vector<LogEntryRef> out;
    std::size_t bytes = 0;
    auto it = std::upper_bound(
        cache_.begin(), cache_.end(), after,
        [](std::uint64_t seq, const LogEntryRef& entry) { return seq < entry->seq; });
    for (; it != cache_.end() && out.size() < limit && (out.empty() || bytes < max_bytes); ++it) {
      bytes += (*it)->delta.size();
      out.push_back(*it);
    }
    return out;
  }
  const RangeRead request{after, limit, max_bytes, head_};
  if (!read_in_background || read_failed_.erase(after) != 0) {
    return read([&](persist::Store& s) { return RangeRead::run(s, request); });
  }
  if (auto done = read_.find(after); done != read_.end()) {
    auto out = std::move(done->second);
    read_.erase(done);
    return out;
  }
  if (reading_.insert(after).second) read_in_background(request);
  return std::nullopt;
}

void LocalReplica::read_done(const RangeRead& request,
                             std::optional<std::vector<LogEntryRef>> entries) {
  reading_.erase(request.after);
  if (entries) {
    read_[request.after] = std::move(*entries);
  } else {
    read_failed_.insert(request.after);  // read on the loop next time, failing there if it must
  }
  // Taken by the next session that asks; one nobody took is not kept for long.
  while (read_.size() > 16) read_.erase(read_.begin());
}

std::vector<LogEntryRef> LocalReplica::RangeRead::run(persist::Store& reader,
                                                      const RangeRead& request) {
  // In pieces, so a long log is never loaded whole.
  std::vector<LogEntryRef> out;
  std::size_t bytes = 0;
  std::uint64_t cursor = request.after;
  while (out.size() < request.limit && (out.empty() || bytes < request.max_bytes)) {
    const std::size_t want = std::min<std::size_t>(request.limit - out.size(), 256);
    auto batch = reader.replication().deltas_since(cursor, want);
    if (batch.empty()) break;
    bool past_head = false;
    for (auto& entry : batch) {
      past_head = entry.seq > request.head;
      if (past_head) break;
      cursor = entry.seq;
      bytes += entry.delta.size();
      out.push_back(std::make_shared<const persist::LogEntry>(std::move(entry)));
      if (out.size() >= request.limit || bytes >= request.max_bytes) break;
    }
    // (A gap left by compaction can put the next entry past the head before the cursor gets
    // there: that ends the range too.)
    if (past_head || batch.size() < want || cursor >= request.head) break;
  }
  return out;
}

const persist::DocumentType* LocalReplica::type(const std::string& tag) {
  auto it = types_.find(tag);
  if (it != types_.end()) return it->second;
  // A removal record's baseline is a state of the document's type, and joins like one.
  const std::string_view name = state_type_name(tag);
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
    if (!offered(entry->document)) continue;
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
      if (store.find_type(state_type_name(item.type)) == nullptr) {
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
  return serialization::encode(
      read([&](persist::Store& s) { return context_in(s, id, type, doc_type); }));
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

const DigestIndex& LocalReplica::digests() {
  if (index_built_ && stale_.empty() && refreshing_.empty()) return index_;
  // Needed now: refreshed here, and a refresh in flight is obsolete.
  ++refresh_generation_;
  stale_.insert(refreshing_.begin(), refreshing_.end());
  refreshing_.clear();
  const auto resolve = [this](const std::string& tag) { return type(tag); };
  const auto conflicts = read([](persist::Store& s) { return conflict_types_in(s); });
  const auto put = [&](const std::string& id, const std::string& type) {
    if (!offered(id)) return;
    index_.put(id, *read([&](persist::Store& s) {
                 return parts_in(s, id, type, conflicts_of(conflicts, id), resolve, false);
               }));
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
      if (auto info = read([&](persist::Store& s) { return s.info(id, true); })) {
        put(id, info->type);
      } else {
        index_.erase(id);
      }
    }
  }
  stale_.clear();
  return index_;
}

std::optional<DigestRefresh> LocalReplica::take_digest_refresh() {
  if (refresh_in_flight_) return std::nullopt;
  DigestRefresh refresh;
  refresh.generation = refresh_generation_;
  if (!index_built_) {
    refresh.full = true;
  } else if (stale_.empty()) {
    return std::nullopt;
  } else {
    refresh.ids.assign(stale_.begin(), stale_.end());
  }
  refreshing_.insert(refresh.ids.begin(), refresh.ids.end());
  stale_.clear();
  refresh_in_flight_ = true;
  return refresh;
}

void LocalReplica::apply_digest_refresh(const DigestRefresh& refresh,
                                        const std::vector<DigestRefresh::Result>& results) {
  refresh_in_flight_ = false;
  if (refresh.generation != refresh_generation_) return;  // the loop refreshed meanwhile
  refreshing_.clear();
  if (refresh.full) {
    index_.clear();
    index_built_ = true;
  }
  for (const auto& result : results) {
    if (stale_.count(result.id) != 0) continue;  // changed since: refreshed again later
    if (result.unknown) {
      stale_.insert(result.id);
    } else if (result.gone) {
      index_.erase(result.id);
    } else {
      index_.put(result.id, result.parts);
    }
  }
}

void LocalReplica::abandon_digest_refresh(const DigestRefresh& refresh) {
  refresh_in_flight_ = false;
  if (refresh.generation != refresh_generation_) return;
  stale_.insert(refreshing_.begin(), refreshing_.end());
  refreshing_.clear();
}

persist::Store& LocalReplica::BackgroundReader::get() {
  if (!reader_) reader_.emplace(open_reader(store_));
  return *reader_;
}

}  // namespace crdt::sync
