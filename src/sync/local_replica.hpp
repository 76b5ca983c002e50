// LocalReplica: this node's store as the sync protocol reads it (ReplicaReader).
//
// It follows the store's delta log (poll() reads what was appended since, by this process or by
// another one writing the same file, such as the `crdt` command), keeps the recent entries in
// memory, shared, so that many sessions streaming the same entries read SQLite once, joins
// entries per document before they are sent, and keeps the DigestIndex of every document current
// (recomputing a document's hash after the document changed: in the background where the engine
// has a thread for it, see DigestRefresh, and at the latest when a digest needs it).
//
// Runs on the engine's loop thread and reads through a read-only connection of its own, so it
// never waits for a writer. Writes happen elsewhere: app threads (SharedStore) and the engine's
// store worker, which merges what peers send (merge_slice); they reach the log and are picked up
// by the next poll().
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "crdt/causal/replica_id.hpp"
#include "crdt/persist/shared_store.hpp"
#include "digest_index.hpp"
#include "replica_reader.hpp"
#include "sync_messages.hpp"

namespace crdt::sync {

// The part of a merge that one transaction takes: at most this many items, about this many
// bytes, and (when max_ms > 0) items begun within this many milliseconds; at least one item.
struct MergeSlice {
  std::size_t max_items = 512;
  std::size_t max_bytes = std::size_t{256} << 10;
  std::uint32_t max_ms = 0;
  // When given, the bounds above hold only while it answers true (someone else waits for the
  // store: checked between items); alone, a slice may grow `alone_factor` times larger, so that a
  // single peer's catch-up is not cut into many transactions for nobody's benefit.
  std::function<bool()> contended;
  std::size_t alone_factor = 1;
};

// Merges items[next...] from a peer into `store` in one transaction, as far as `slice` allows,
// with `origin` as their origin in the log; adds what happened to `outcome` and returns the index
// of the first item not merged (items.size() when done). Throws persist::Error when a delta is
// malformed or the store fails (nothing of this slice is merged then). Runs wherever the store
// may be used: the engine calls it on its store worker.
std::size_t merge_slice(persist::Store& store, const std::vector<DeltaItem>& items,
                        std::size_t next, ReplicaId origin, const MergeSlice& slice,
                        MergeOutcome& outcome);

// A refresh of the digest index computed away from the loop: take_digest_refresh() on the loop,
// compute() on another thread with a read-only connection of its own (background_reader()),
// apply_digest_refresh() on the loop. Documents that changed meanwhile stay out of date (their
// result is dropped), and a refresh the loop had to do itself in the meantime makes it obsolete.
struct DigestRefresh {
  struct Result {
    std::string id;
    std::vector<DigestIndex::Part> parts;
    bool gone = false;     // no such document any more
    bool unknown = false;  // a type the background reader does not know: left for the loop
  };
  bool full = false;             // every document (the first build)
  std::vector<std::string> ids;  // otherwise these
  std::uint64_t generation = 0;

  std::vector<Result> compute(persist::Store& reader) const;
};

class LocalReplica final : public ReplicaReader {
 public:
  LocalReplica(persist::SharedStore& store, std::size_t cache_bytes = std::size_t{8} << 20);

  ReplicaId id() const override { return id_; }
  persist::SharedStore& store() { return store_; }
  // Runs f(Store&) on this replica's own read-only connection to the file: in WAL mode a reader
  // never waits for a writer, so the loop's reads never wait for the store worker's commits (nor
  // their fsyncs). It sees every committed transaction.
  template <class F>
  decltype(auto) read(F&& f) {
    return std::invoke(std::forward<F>(f), reader_);
  }

  // Reads the log entries appended since the last poll; returns them (oldest first): at most
  // about kPollEntries or kPollBytes, poll_more() telling whether more are waiting.
  static constexpr std::size_t kPollEntries = 8192;
  static constexpr std::size_t kPollBytes = std::size_t{4} << 20;
  std::vector<LogEntryRef> poll();
  bool poll_more() const { return poll_more_; }
  // The highest seq poll() has seen.
  std::uint64_t head() const override { return head_; }
  ResumePoint resume_point(ReplicaId peer) override;
  std::optional<std::vector<LogEntryRef>> entries_since(std::uint64_t after, std::size_t limit,
                                                        std::size_t max_bytes) override;

  // A read of the log behind the in-memory cache. Where the engine sets read_in_background, such
  // reads run there (on background_reader()) and entries_since answers nullopt until
  // read_done() brings them; otherwise, and after a background read failed, on the loop.
  struct RangeRead {
    std::uint64_t after = 0;
    std::size_t limit = 0;
    std::size_t max_bytes = 0;
    std::uint64_t head = 0;  // entries past it are not polled yet: they come with the cache
    static std::vector<LogEntryRef> run(persist::Store& reader, const RangeRead& read);
  };
  std::function<void(const RangeRead&)> read_in_background;
  void read_done(const RangeRead& read, std::optional<std::vector<LogEntryRef>> entries);
  std::vector<DeltaItem> join(const std::vector<const persist::LogEntry*>& entries) override;

  const DigestIndex& digests() override;
  // Marks a document's hash as out of date.
  void touched(const std::string& id);
  // What the index needs refreshed, if anything and no refresh is in flight already.
  std::optional<DigestRefresh> take_digest_refresh();
  void apply_digest_refresh(const DigestRefresh& refresh,
                            const std::vector<DigestRefresh::Result>& results);
  // A refresh that could not be computed: what it took is out of date again.
  void abandon_digest_refresh(const DigestRefresh& refresh);
  // A second read-only connection for DigestRefresh::compute, opened by its first use (on the
  // thread that computes, so opening a node does not wait for it); shared so that a computation
  // still running when the engine goes away keeps it. The store must outlive its uses.
  class BackgroundReader {
   public:
    explicit BackgroundReader(persist::SharedStore& store) : store_(store) {}
    persist::Store& get();

   private:
    persist::SharedStore& store_;
    std::optional<persist::Store> reader_;
  };
  std::shared_ptr<BackgroundReader> background_reader() { return background_reader_; }
  // A conflict state or removal record has no delta_since: it goes whole.
  Bytes context_bytes(const std::string& id, const std::string& type) override;
  std::optional<Bytes> delta_for(const std::string& id, const std::string& type,
                                 const Bytes& known_context) override;

  const persist::DocumentType* type(const std::string& tag);

 private:
  persist::SharedStore& store_;
  persist::Store reader_;
  ReplicaId id_;
  std::size_t cache_bytes_;
  std::uint64_t head_ = 0;
  bool poll_more_ = false;
  std::uint64_t cache_floor_ = 0;  // the cache holds every entry with seq > cache_floor_
  std::deque<LogEntryRef> cache_;
  std::size_t cached_bytes_ = 0;
  DigestIndex index_;
  bool index_built_ = false;
  std::set<std::string> stale_;
  std::set<std::string> refreshing_;  // taken by the refresh in flight
  bool refresh_in_flight_ = false;
  std::uint64_t refresh_generation_ = 0;
  std::shared_ptr<BackgroundReader> background_reader_;
  std::set<std::uint64_t> reading_;                         // RangeRead::after of the reads away
  std::map<std::uint64_t, std::vector<LogEntryRef>> read_;  // done, not yet taken
  std::set<std::uint64_t> read_failed_;
  std::map<std::string, const persist::DocumentType*, std::less<>> types_;
};

}  // namespace crdt::sync
