// PeerSync: the sync protocol with one peer, once the handshake is done.
//
// Outbound, it brings the peer up to date and keeps it there:
// - a peer this store knows, whose acknowledged seq is still in the log, is resumed from there
//   (delta-interval anti-entropy): the log entries after it, joined per document, in `deltas`
//   messages of bounded size, at most `window` of them unacknowledged at a time;
// - a peer that is new, or behind what the log retained, is repaired first by digests: walking
//   the DigestIndex down where the summaries differ, the peer lists its causal contexts for the
//   differing documents only, and each gets delta_since(its context); the log is then streamed
//   from where it stood when the repair began;
// - entries whose origin is the peer itself are never sent back (no echo), nor documents the peer
//   did not subscribe to; `caught_up` follows the last message holding what this side had when
//   the session began.
// Inbound, every `deltas` message becomes a merge request (Hooks::merge) that the engine runs on
// its store worker; the message is acknowledged when merged() reports it committed, in the order
// the messages came. The peer's `caught_up` counts only once every message before it is merged.
// What the peer acknowledged is handed out for persisting (ack_to_persist) so that a reconnect
// resumes, and lets the log be truncated.
//
// No I/O: frames come in through on_message and go out through the Outbox; the replica is read
// through ReplicaReader; writes leave as requests. Duplicates and re-sends are harmless: merges
// are joins. A malformed message is an error that ends this session only (on_message returns the
// reason).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "crdt/sync/session_report.hpp"
#include "crdt/sync/sync_settings.hpp"
#include "digest_index.hpp"
#include "outbox.hpp"
#include "replica_reader.hpp"
#include "sync_messages.hpp"

namespace crdt::sync {

class PeerSync {
 public:
  struct Hooks {
    // Merge these items from the peer, then call merged(number, outcome) (or end the session).
    std::function<void(std::uint64_t number, std::vector<DeltaItem> items)> merge;
    // After a deltas message was merged (and committed).
    std::function<void(const MergeOutcome&)> on_merged;
    // The answer to status_request.
    std::function<std::string()> status_json;
    // A status message arrived (the answer to our status_request).
    std::function<void(const std::string&)> on_status;
    std::function<void(const std::string&)> log;
  };

  PeerSync(ReplicaReader& replica, Outbox& out, SyncStart own, SyncSettings settings, Hooks hooks);

  // Call once the link is established, with the authenticated peer's id.
  void start(ReplicaId peer);
  // Handles one message; the reason when it is a protocol violation (the caller closes).
  std::optional<std::string> on_message(const Frame& message);
  // A deltas message that the caller parsed itself (with limits(), off the loop: inflating and
  // parsing a large one is the costliest step of receiving it), in its place in the session's
  // order of messages.
  std::optional<std::string> on_deltas(DeltasMessage deltas);
  const MessageLimits& limits() const { return settings_.limits; }
  // The merge of deltas message `number` committed: acknowledges it.
  void merged(std::uint64_t number, const MergeOutcome& outcome);
  // Sends what is due: call when the log advanced or a window opened.
  void pump();
  // Sends a position message for the log range skipped since the last message (nothing in it was
  // for this peer), if any: the engine calls it now and then.
  void flush_position();
  // The peer's acknowledgement to persist, when it advanced since the last call.
  std::optional<std::uint64_t> ack_to_persist();
  void request_status();

  ReplicaId peer() const { return peer_; }
  const SyncStart* peer_start() const { return peer_start_ ? &*peer_start_ : nullptr; }
  bool observer() const { return own_.mode == SyncStart::Mode::observer; }
  // Both ways done: the peer has everything this side held when the session began (it
  // acknowledged every message up to caught_up), and this side has what the peer held.
  bool initial_sync_done() const;
  const PeerProgress& progress() const { return progress_; }

 private:
  struct RepairDocument {
    std::string id;
    std::string type;     // the document's type, or a conflict state's
    Bytes known_context;  // empty: send everything
  };

  std::optional<std::string> on_sync_start(const Frame& message);
  std::optional<std::string> parse_deltas(const Frame& message);
  std::optional<std::string> on_ack(const Frame& message);
  std::optional<std::string> on_digest(const Frame& message);
  std::optional<std::string> on_digest_reply(const Frame& message);
  void begin_outbound();
  void send_digest(std::vector<DigestNode> nodes);
  bool send_repair_batch();
  bool send_stream_batch();
  bool send_prepared();
  void finish_repair();
  bool send_deltas(DeltasMessage message);
  std::size_t in_flight() const { return next_number_ - 1 - acked_number_; }

  ReplicaReader& replica_;
  Outbox& out_;
  SyncStart own_;
  SyncSettings settings_;
  Hooks hooks_;
  ReplicaId peer_;
  std::optional<SyncStart> peer_start_;
  PrefixFilter peer_filter_;
  PrefixFilter own_filter_;
  PeerProgress progress_;

  std::uint64_t next_number_ = 1;
  std::uint64_t acked_number_ = 0;
  std::uint64_t persisted_ack_ = 0;
  std::uint64_t cursor_ = 0;  // log position scanned (sent or skipped)
  std::uint64_t caught_up_number_ = 0;
  bool position_due_ = false;

  // Deltas messages whose merge was requested and not yet reported, oldest first: (number, to).
  std::deque<std::pair<std::uint64_t, std::uint64_t>> merging_;
  // The peer's caught_up arrived while merges were outstanding: it counts once this one is done.
  std::optional<std::uint64_t> caught_up_after_;

  std::uint64_t repair_from_ = 0;  // the log head when the repair began
  std::uint64_t digest_round_ = 0;
  bool digest_outstanding_ = false;
  // Nodes still to compare, beyond the digest_nodes a round may carry.
  std::deque<DigestNode> digest_pending_;
  std::deque<RepairDocument> repair_queue_;

  // A range of the log read and joined, sent as several messages when large; only the last
  // carries the range's end (the position the peer acknowledges).
  struct PreparedRange {
    std::deque<DeltaItem> items;
    std::uint64_t from = 0;
    std::uint64_t to = 0;
  };
  std::optional<PreparedRange> prepared_;
};

}  // namespace crdt::sync
