#include "subscription_registry.hpp"

#include <cstdint>
#include <optional>
#include <utility>

namespace crdt::sync {

SubscriptionRegistry::SubscriptionRegistry(Dispatcher dispatcher)
    : dispatcher_(std::move(dispatcher)) {
  if (!dispatcher_) dispatcher_ = [](std::function<void()> fn) { fn(); };
}

namespace {

// `before` joined with a document's new log entries; nullopt when they cannot simply be joined
// (no state to start from, an entry of another type, a delta that does not decode).
std::optional<DocumentState> joined(const DocumentState& before,
                                    const std::vector<const persist::LogEntry*>& entries) {
  if (!before) return std::nullopt;
  std::unique_ptr<persist::AnyDocument> state;
  for (const auto* entry : entries) {
    if (entry->type != before->type().tag()) return std::nullopt;
    if (!state) state = before->clone();
    std::string error;
    if (!state->merge_frame(entry->delta, SIZE_MAX, error)) return std::nullopt;
  }
  return DocumentState(std::move(state));
}

}  // namespace

bool SubscriptionRegistry::watched(std::string_view doc) const {
  for (const auto& [id, subscription] : subscriptions_) {
    if (doc.starts_with(subscription.prefix)) return true;
  }
  return false;
}

std::uint64_t SubscriptionRegistry::add(LocalReplica& replica, std::string prefix,
                                        ChangeCallback callback) {
  // The documents under the prefix now are the "before" of their first change.
  const auto existing = replica.read([&](persist::Store& s) { return s.list(prefix); });
  for (const auto& info : existing) {
    if (states_.count(info.id) != 0) continue;
    auto state = replica.read([&](persist::Store& s) { return s.replication().read_any(info.id); });
    if (state) states_.emplace(info.id, DocumentState(std::move(state)));
  }
  const std::uint64_t id = next_id_++;
  subscriptions_.emplace(id, Subscription{std::move(prefix), std::move(callback)});
  return id;
}

std::uint64_t SubscriptionRegistry::add_conflict_listener(ConflictCallback callback) {
  const std::uint64_t id = next_id_++;
  conflict_listeners_.emplace(id, std::move(callback));
  return id;
}

void SubscriptionRegistry::remove(std::uint64_t id) {
  subscriptions_.erase(id);
  conflict_listeners_.erase(id);
  // States of documents no subscription watches any more are dropped.
  for (auto it = states_.begin(); it != states_.end();) {
    it = watched(it->first) ? std::next(it) : states_.erase(it);
  }
}

void SubscriptionRegistry::changed(LocalReplica& replica, const std::vector<LogEntryRef>& entries) {
  if (subscriptions_.empty()) return;
  std::vector<std::string_view> order;
  std::map<std::string_view, std::vector<const persist::LogEntry*>> by_document;
  for (const auto& entry : entries) {
    if (!watched(entry->document)) continue;
    auto [it, inserted] = by_document.try_emplace(entry->document);
    if (inserted) order.push_back(entry->document);
    it->second.push_back(entry.get());
  }
  for (const std::string_view id : order) {
    const std::string doc(id);
    DocumentState before;
    if (auto it = states_.find(doc); it != states_.end()) before = it->second;
    DocumentState after;
    if (auto state = joined(before, by_document[id])) {
      after = std::move(*state);
    } else {
      after = DocumentState(
          replica.read([&](persist::Store& s) { return s.replication().read_any(doc); }));
    }
    if (after) {
      states_[doc] = after;
    } else {
      states_.erase(doc);
    }
    for (const auto& [sub_id, subscription] : subscriptions_) {
      if (!doc.starts_with(subscription.prefix)) continue;
      dispatcher_(
          [callback = subscription.callback, doc, before, after] { callback(doc, before, after); });
    }
  }
}

void SubscriptionRegistry::conflict(const std::string& doc, const std::string& type) {
  for (const auto& [id, callback] : conflict_listeners_) {
    dispatcher_([callback = callback, doc, type] { callback(doc, type); });
  }
}

}  // namespace crdt::sync
