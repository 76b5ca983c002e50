// PeerSync alone: two protocol objects wired to each other through lists of frames, each over an
// in-memory replica. No socket, no SQLite, no event loop: the test decides when frames travel and
// when merge requests complete.
#include "peer_sync.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "crdt/or_set.hpp"
#include "crdt/persist/document_type.hpp"
#include "crdt/serialization/all.hpp"
#include "crdt/serialization/causal.hpp"

using namespace crdt;
using namespace crdt::sync;

namespace {

using Set = ORSet<std::string>;

// prefix + number, built with += (g++ 12 warns falsely on "literal" + std::string).
std::string numbered(std::string prefix, int n) {
  prefix += std::to_string(n);
  return prefix;
}

const persist::DocumentType& set_type() { return persist::document_type<Set>(); }

// A replica in memory: sets by id, a delta log with origins, what each peer acknowledged and how
// far the log was truncated. Writes come from the test (add) or from merge requests (merge).
class MemoryReplica final : public ReplicaReader {
 public:
  explicit MemoryReplica(std::uint64_t id) : id_(ReplicaId(id)) {}

  int reads_away = 0;  // entries_since answers nullopt this many times first

  ReplicaId id() const override { return id_; }
  std::uint64_t head() const override { return next_seq_ - 1; }
  ResumePoint resume_point(ReplicaId peer) override {
    ResumePoint out;
    if (auto it = acknowledged_.find(peer); it != acknowledged_.end())
      out.acknowledged = it->second;
    out.truncated_through = truncated_;
    return out;
  }
  std::optional<std::vector<LogEntryRef>> entries_since(std::uint64_t after, std::size_t limit,
                                                        std::size_t max_bytes) override {
    if (reads_away > 0) {  // as a replica whose log is read off the loop answers first
      --reads_away;
      return std::nullopt;
    }
    std::vector<LogEntryRef> out;
    std::size_t bytes = 0;
    for (const auto& entry : log_) {
      if (entry.seq <= after) continue;
      if (out.size() >= limit || (!out.empty() && bytes >= max_bytes)) break;
      bytes += entry.delta.size();
      out.push_back(std::make_shared<const persist::LogEntry>(entry));
    }
    return out;
  }
  std::vector<DeltaItem> join(const std::vector<const persist::LogEntry*>& entries) override {
    std::vector<DeltaItem> out;
    std::map<std::string, std::size_t> slot;
    for (const auto* entry : entries) {
      auto [it, inserted] = slot.try_emplace(entry->document, out.size());
      if (inserted) {
        out.push_back(DeltaItem{entry->document, entry->type, entry->delta});
        continue;
      }
      std::string error;
      auto joined = set_type().decode(out[it->second].delta, SIZE_MAX, error);
      REQUIRE(joined);
      REQUIRE(joined->merge_frame(entry->delta, SIZE_MAX, error).has_value());
      out[it->second].delta = joined->encode();
    }
    return out;
  }
  const DigestIndex& digests() override {
    index_.clear();
    for (const auto& [id, state] : documents_) {
      index_.put(id, set_type().tag(), DigestIndex::hash_of(id, set_type().tag(), context_of(id)));
    }
    return index_;
  }
  Bytes context_bytes(const std::string& id, const std::string&) override { return context_of(id); }
  std::optional<Bytes> delta_for(const std::string& id, const std::string&,
                                 const Bytes& known_context) override {
    auto it = documents_.find(id);
    if (it == documents_.end()) return std::nullopt;
    VersionVector known;
    if (!known_context.empty()) known = serialization::decode<VersionVector>(known_context).value();
    return serialization::encode(it->second.delta_since(known));
  }

  // A local write: applied and logged with this replica as its origin.
  void add(const std::string& doc, const std::string& element) {
    const Set delta = documents_[doc].add(id_, element);
    append(doc, serialization::encode(delta), id_);
  }
  // What the engine's store worker does for a merge request: merge, and log what changed.
  MergeOutcome merge(const std::vector<DeltaItem>& items, ReplicaId origin) {
    MergeOutcome outcome;
    for (const DeltaItem& item : items) {
      ++merged_items_;
      const Set delta = serialization::decode<Set>(item.delta).value();
      Set& state = documents_[item.document];
      const VersionVector before = state.context();
      state.merge(delta);
      if (state.context() == before) continue;
      ++outcome.changed;
      append(item.document, item.delta, origin);
    }
    return outcome;
  }
  void acknowledged(ReplicaId peer, std::uint64_t seq) { acknowledged_[peer] = seq; }
  void truncate_through(std::uint64_t seq) {
    std::erase_if(log_, [&](const persist::LogEntry& entry) { return entry.seq <= seq; });
    truncated_ = std::max(truncated_, seq);
  }

  std::vector<std::string> elements(const std::string& doc) const {
    auto it = documents_.find(doc);
    return it == documents_.end() ? std::vector<std::string>{} : it->second.value();
  }
  const std::map<std::string, Set>& documents() const { return documents_; }
  std::size_t merged_items() const { return merged_items_; }

 private:
  Bytes context_of(const std::string& id) const {
    auto it = documents_.find(id);
    return it == documents_.end() ? Bytes{} : serialization::encode(it->second.context());
  }
  void append(const std::string& doc, Bytes delta, ReplicaId origin) {
    persist::LogEntry entry;
    entry.seq = next_seq_++;
    entry.document = doc;
    entry.type = set_type().tag();
    entry.delta = std::move(delta);
    entry.origin = origin;
    log_.push_back(std::move(entry));
  }

  ReplicaId id_;
  std::map<std::string, Set> documents_;
  std::vector<persist::LogEntry> log_;
  std::uint64_t next_seq_ = 1;
  std::uint64_t truncated_ = 0;
  std::map<ReplicaId, std::uint64_t> acknowledged_;
  DigestIndex index_;
  std::size_t merged_items_ = 0;
};

class FrameList final : public Outbox {
 public:
  bool send(const Frame& message) override {
    if (closed_) return false;
    frames.push_back(message);
    ++sent[message.kind];
    return true;
  }
  bool closed() const override { return closed_; }
  void close() { closed_ = true; }

  std::deque<Frame> frames;
  std::map<MessageKind, std::size_t> sent;

 private:
  bool closed_ = false;
};

// One side: a replica, its protocol object, the frames it sends and the merges it asked for.
struct Side {
  Side(std::uint64_t id, SyncSettings settings, std::vector<std::string> subscribe = {})
      : replica(id) {
    PeerSync::Hooks hooks;
    hooks.merge = [this](std::uint64_t number, std::vector<DeltaItem> items) {
      requests.push_back({number, std::move(items)});
    };
    sync = std::make_unique<PeerSync>(
        replica, out, SyncStart{SyncStart::Mode::replica, std::move(subscribe), "side"}, settings,
        std::move(hooks));
  }

  // Completes the oldest merge request, as the store worker would.
  bool complete_one(ReplicaId from) {
    if (requests.empty()) return false;
    auto [number, items] = std::move(requests.front());
    requests.pop_front();
    sync->merged(number, replica.merge(items, from));
    return true;
  }

  MemoryReplica replica;
  FrameList out;
  std::unique_ptr<PeerSync> sync;
  std::deque<std::pair<std::uint64_t, std::vector<DeltaItem>>> requests;
  std::vector<DeltasMessage> deltas_received;
};

struct Pair {
  explicit Pair(SyncSettings settings = {}, std::vector<std::string> b_subscribes = {})
      : a(1, settings), b(2, settings, std::move(b_subscribes)) {}

  void start() {
    a.sync->start(b.replica.id());
    b.sync->start(a.replica.id());
  }

  // Delivers frames both ways and completes merges until nothing moves. With `merge` false the
  // merge requests wait (the store worker is busy).
  void run(bool merge = true) {
    for (int guard = 0; guard < 100000; ++guard) {
      if (deliver(a, b) || deliver(b, a)) continue;
      if (merge && (a.complete_one(b.replica.id()) || b.complete_one(a.replica.id()))) continue;
      return;
    }
    FAIL("the protocol did not quiesce");
  }

  static bool deliver(Side& from, Side& to) {
    if (from.out.frames.empty()) return false;
    Frame frame = std::move(from.out.frames.front());
    from.out.frames.pop_front();
    if (frame.kind == MessageKind::deltas) {
      DeltasMessage message;
      REQUIRE_FALSE(parse(frame.payload, message, MessageLimits{}).has_value());
      to.deltas_received.push_back(message);
    }
    const auto error = to.sync->on_message(frame);
    INFO((error ? *error : std::string()));
    REQUIRE_FALSE(error.has_value());
    return true;
  }

  Side a;
  Side b;
};

// Hands `to` the first `count` entries of `from`'s log, as if an earlier session had.
void give_first(MemoryReplica& from, MemoryReplica& to, std::size_t count, ReplicaId origin) {
  std::vector<DeltaItem> items;
  const auto entries = from.entries_since(0, count, SIZE_MAX);
  REQUIRE(entries);
  for (const auto& entry : *entries) {
    items.push_back(DeltaItem{entry->document, entry->type, entry->delta});
  }
  to.merge(items, origin);
}

std::size_t items_in(const std::vector<DeltasMessage>& messages) {
  std::size_t n = 0;
  for (const auto& message : messages) n += message.items.size();
  return n;
}

std::set<std::string> documents_in(const std::vector<DeltasMessage>& messages) {
  std::set<std::string> out;
  for (const auto& message : messages) {
    for (const auto& item : message.items) out.insert(item.document);
  }
  return out;
}

}  // namespace

TEST_CASE("PeerSync: a known peer resumes from its acknowledgement, without digests",
          "[sync][peer_sync]") {
  Pair pair;
  for (int i = 0; i < 10; ++i) pair.a.replica.add(numbered("d", i), "x");
  // b already has the first six entries, and a knows that b acknowledged them.
  give_first(pair.a.replica, pair.b.replica, 6, pair.a.replica.id());
  pair.a.replica.acknowledged(pair.b.replica.id(), 6);

  pair.start();
  pair.run();
  CHECK(pair.a.out.sent[MessageKind::digest] == 0);
  // Only what came after the acknowledgement travels.
  CHECK(documents_in(pair.b.deltas_received) == std::set<std::string>{"d6", "d7", "d8", "d9"});
  CHECK(pair.b.replica.documents().size() == 10);
  CHECK(pair.a.sync->initial_sync_done());
  CHECK(pair.b.sync->initial_sync_done());
  CHECK(pair.a.sync->ack_to_persist() == std::optional<std::uint64_t>(10));
  CHECK_FALSE(pair.a.sync->ack_to_persist().has_value());  // handed out once
}

TEST_CASE("PeerSync: a range read off the loop holds the stream until it is there",
          "[sync][peer_sync]") {
  Pair pair;
  for (int i = 0; i < 10; ++i) pair.a.replica.add(numbered("d", i), "x");
  give_first(pair.a.replica, pair.b.replica, 6, pair.a.replica.id());
  pair.a.replica.acknowledged(pair.b.replica.id(), 6);
  pair.a.replica.reads_away = 1;

  pair.start();
  pair.run();
  // Nothing streamed, no caught_up claimed, while the range is away.
  CHECK(pair.b.deltas_received.empty());
  CHECK_FALSE(pair.a.sync->initial_sync_done());
  CHECK(pair.a.sync->progress().state == OutboundState::streaming);
  pair.a.sync->pump();  // the engine pumps once the read is done
  pair.run();
  CHECK(documents_in(pair.b.deltas_received) == std::set<std::string>{"d6", "d7", "d8", "d9"});
  CHECK(pair.a.sync->initial_sync_done());
  CHECK(pair.b.sync->initial_sync_done());
}

TEST_CASE("PeerSync: resuming needs every entry after the acknowledgement still in the log",
          "[sync][peer_sync]") {
  const std::uint64_t acknowledged = GENERATE(5, 6);
  Pair pair;
  for (int i = 0; i < 10; ++i) pair.a.replica.add(numbered("d", i), "x");
  give_first(pair.a.replica, pair.b.replica, acknowledged, pair.a.replica.id());
  pair.a.replica.acknowledged(pair.b.replica.id(), acknowledged);
  pair.a.replica.truncate_through(6);

  pair.start();
  pair.run();
  INFO("acknowledged " << acknowledged << ", log truncated through 6");
  if (acknowledged == 6) {
    CHECK(pair.a.out.sent[MessageKind::digest] == 0);  // entries 7.. are all there
  } else {
    CHECK(pair.a.out.sent[MessageKind::digest] > 0);  // entry 6 is gone: compare by digests
  }
  CHECK(pair.b.replica.documents().size() == 10);
  for (int i = 0; i < 10; ++i) CHECK(pair.b.replica.elements(numbered("d", i)).size() == 1);
}

TEST_CASE("PeerSync: a new peer is repaired by digests, sending only what differs",
          "[sync][peer_sync]") {
  Pair pair;
  for (int i = 0; i < 200; ++i) pair.a.replica.add(numbered("doc", i), "x");
  // b has the first 190 documents as a has them, and 5 of its own.
  give_first(pair.a.replica, pair.b.replica, 190, ReplicaId(99));
  for (int i = 0; i < 5; ++i) pair.b.replica.add(numbered("own", i), "y");

  pair.start();
  pair.run();
  CHECK(pair.a.out.sent[MessageKind::digest] > 0);
  CHECK(pair.a.replica.documents() == pair.b.replica.documents());
  CHECK(pair.a.replica.documents().size() == 205);
  // a sent the 10 documents b lacked, b the 5 a lacked; the 190 equal ones cost nothing.
  CHECK(documents_in(pair.b.deltas_received).size() == 10);
  CHECK(documents_in(pair.a.deltas_received).size() == 5);
}

TEST_CASE("PeerSync: entries that came from the peer are never sent back to it",
          "[sync][peer_sync]") {
  Pair pair;
  pair.start();
  pair.run();
  pair.b.replica.add("from-b", "x");
  pair.b.sync->pump();
  pair.run();
  REQUIRE(pair.a.replica.elements("from-b") == std::vector<std::string>{"x"});
  // a logged b's delta (with b as its origin) and streams its log to b: that entry is skipped.
  pair.a.sync->pump();
  pair.run();
  CHECK(pair.b.replica.merged_items() == 0);
  CHECK(items_in(pair.b.deltas_received) == 0);
  // Its own writes still go.
  pair.a.replica.add("from-a", "y");
  pair.a.sync->pump();
  pair.run();
  CHECK(pair.b.replica.elements("from-a") == std::vector<std::string>{"y"});
  CHECK(items_in(pair.b.deltas_received) == 1);
}

TEST_CASE("PeerSync: a peer gets only the documents it subscribed to", "[sync][peer_sync]") {
  Pair pair(SyncSettings{}, {"user1/"});
  pair.a.replica.add("user1/cart", "milk");
  pair.a.replica.add("user2/cart", "eggs");
  SECTION("from the log") { pair.a.replica.acknowledged(pair.b.replica.id(), 0); }
  SECTION("by digests") {}
  pair.start();
  pair.run();
  CHECK(pair.b.replica.elements("user1/cart") == std::vector<std::string>{"milk"});
  CHECK(pair.b.replica.documents().count("user2/cart") == 0);
  // Live writes too.
  pair.a.replica.add("user2/other", "x");
  pair.a.replica.add("user1/other", "y");
  pair.a.sync->pump();
  pair.run();
  CHECK(pair.b.replica.documents().count("user2/other") == 0);
  CHECK(pair.b.replica.elements("user1/other") == std::vector<std::string>{"y"});
}

TEST_CASE("PeerSync: at most `window` deltas messages wait for acknowledgement",
          "[sync][peer_sync]") {
  SyncSettings settings;
  settings.window = 2;
  settings.batch_items = 1;  // one document per message
  settings.range_entries = 1;
  Pair pair(settings);
  pair.a.replica.acknowledged(pair.b.replica.id(), 0);
  for (int i = 0; i < 8; ++i) pair.a.replica.add(numbered("d", i), "x");
  pair.start();
  // b's store worker is busy: nothing is merged, so nothing is acknowledged.
  pair.run(false);
  CHECK(pair.b.deltas_received.size() == 2);
  CHECK(pair.a.sync->progress().messages_in_flight == 2);
  CHECK(pair.b.requests.size() == 2);
  // Merged and acknowledged, in order; the window opens as acknowledgements arrive.
  pair.run();
  CHECK(pair.b.replica.documents().size() == 8);
  CHECK(pair.b.deltas_received.size() == 8);
  for (std::size_t i = 1; i < pair.b.deltas_received.size(); ++i) {
    CHECK(pair.b.deltas_received[i].number == pair.b.deltas_received[i - 1].number + 1);
  }
}

TEST_CASE("PeerSync: the peer's caught_up counts once what came before it is merged",
          "[sync][peer_sync]") {
  Pair pair;
  pair.a.replica.add("d", "x");
  pair.a.replica.acknowledged(pair.b.replica.id(), 0);
  pair.start();
  pair.run(false);
  REQUIRE(pair.b.requests.size() == 1);
  CHECK(pair.a.sync->progress().caught_up_sent);
  CHECK_FALSE(pair.b.sync->progress().caught_up_received);
  CHECK_FALSE(pair.b.sync->initial_sync_done());
  pair.run();
  CHECK(pair.b.sync->progress().caught_up_received);
  CHECK(pair.b.sync->initial_sync_done());
}

TEST_CASE("PeerSync: a malformed or unexpected message is an error for this session only",
          "[sync][peer_sync]") {
  Pair pair;
  pair.start();
  pair.run();
  const std::vector<Frame> bad{
      Frame{MessageKind::deltas, Bytes{0xff, 0xff, 0xff}},
      Frame{MessageKind::ack, Bytes{1}},
      Frame{MessageKind::digest_reply, to_frame(DigestReply{42, {}}).payload},
      Frame{MessageKind::sync_start, to_frame(SyncStart{}).payload},
      Frame{MessageKind::ack, to_frame(AckMessage{7, 7}).payload},
  };
  for (const Frame& frame : bad) {
    Side fresh(3, SyncSettings{});
    fresh.sync->start(ReplicaId(4));
    REQUIRE_FALSE(fresh.sync->on_message(to_frame(SyncStart{})).has_value());
    const auto error = fresh.sync->on_message(frame);
    CHECK(error.has_value());
    CHECK(fresh.requests.empty());
    CHECK(fresh.replica.merged_items() == 0);
  }
  // The pair is untouched and goes on.
  pair.a.replica.add("after", "x");
  pair.a.sync->pump();
  pair.run();
  CHECK(pair.b.replica.elements("after") == std::vector<std::string>{"x"});
}

TEST_CASE("PeerSync: a peer that ignores the window cannot queue unbounded merges",
          "[sync][peer_sync]") {
  SyncSettings settings;
  settings.max_pending_merges = 3;
  Side side(5, settings);
  side.sync->start(ReplicaId(6));
  REQUIRE_FALSE(side.sync->on_message(to_frame(SyncStart{})).has_value());
  for (std::uint64_t n = 1; n <= 3; ++n) {
    CHECK_FALSE(side.sync->on_message(to_frame(DeltasMessage{n, 0, 0, {}})).has_value());
  }
  CHECK(side.sync->on_message(to_frame(DeltasMessage{4, 0, 0, {}})).has_value());
  CHECK(side.requests.size() == 3);
}
