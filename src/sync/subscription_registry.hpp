// SubscriptionRegistry: who wants to hear about which documents, and the state each was last told
// about, so a change can be described as the difference between two states.
//
// A subscription names an id prefix ("" for every document). When documents change (local
// writes, this process's or another's, and merges from peers all reach the delta log, which the
// engine follows), each subscription whose prefix matches is called with the state before and
// after. "Before" is the state the registry last saw: loaded when the subscription is added, for
// the documents that exist then, and kept up to date afterwards, so memory grows with the
// documents under subscribed prefixes (one copy each, shared by every subscription).
//
// The state after a change is the state before joined with the change's log entries (what the
// log holds is exactly what was joined into the document), so a large document is not read and
// decoded whole for every small change; a document whose entries are of another type (a removal
// record, a type conflict) or that the registry has no state for is read from the store.
//
// Runs on the engine's loop; callbacks are handed to the dispatcher, which runs them where the app
// asked (the loop thread by default). States are passed as shared_ptr so a dispatcher may keep
// them past the call.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "crdt/persist/document_type.hpp"
#include "local_replica.hpp"

namespace crdt::sync {

using DocumentState = std::shared_ptr<const persist::AnyDocument>;

class SubscriptionRegistry {
 public:
  using ChangeCallback = std::function<void(const std::string& doc, const DocumentState& before,
                                            const DocumentState& after)>;
  using ConflictCallback = std::function<void(const std::string& doc, const std::string& type)>;
  using Dispatcher = std::function<void(std::function<void()>)>;

  explicit SubscriptionRegistry(Dispatcher dispatcher);

  std::uint64_t add(LocalReplica& replica, std::string prefix, ChangeCallback callback);
  std::uint64_t add_conflict_listener(ConflictCallback callback);
  void remove(std::uint64_t id);
  bool empty() const { return subscriptions_.empty() && conflict_listeners_.empty(); }

  // New log entries (oldest first): calls the subscriptions matching the documents they changed,
  // each document once, in the order of its first entry.
  void changed(LocalReplica& replica, const std::vector<LogEntryRef>& entries);
  void conflict(const std::string& doc, const std::string& type);

 private:
  struct Subscription {
    std::string prefix;
    ChangeCallback callback;
  };
  bool watched(std::string_view doc) const;

  Dispatcher dispatcher_;
  std::uint64_t next_id_ = 1;
  std::map<std::uint64_t, Subscription> subscriptions_;
  std::map<std::uint64_t, ConflictCallback> conflict_listeners_;
  std::map<std::string, DocumentState, std::less<>> states_;
};

}  // namespace crdt::sync
