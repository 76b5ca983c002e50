#include "peer_sync.hpp"

#include <algorithm>
#include <exception>
#include <string>
#include <utility>

namespace crdt::sync {

PeerSync::PeerSync(ReplicaReader& replica, Outbox& out, SyncStart own, SyncSettings settings,
                   Hooks hooks)
    : replica_(replica),
      out_(out),
      own_(std::move(own)),
      settings_(settings),
      hooks_(std::move(hooks)),
      own_filter_(own_.prefixes) {}

void PeerSync::start(ReplicaId peer) {
  peer_ = peer;
  progress_.head_at_start = replica_.head();
  out_.send(to_frame(own_));
}

void PeerSync::request_status() { out_.send(Frame{MessageKind::status_request, {}}); }

bool PeerSync::initial_sync_done() const {
  return progress_.caught_up_sent && progress_.caught_up_received &&
         acked_number_ >= caught_up_number_;
}

std::optional<std::string> PeerSync::on_message(const Frame& message) {
  switch (message.kind) {
    case MessageKind::sync_start:
      return on_sync_start(message);
    case MessageKind::deltas:
      return parse_deltas(message);
    case MessageKind::ack:
      return on_ack(message);
    case MessageKind::digest:
      return on_digest(message);
    case MessageKind::digest_reply:
      return on_digest_reply(message);
    case MessageKind::caught_up: {
      CaughtUp caught_up;
      if (auto error = parse(message.payload, caught_up, settings_.limits)) {
        return "malformed caught_up: " + error->message;
      }
      // It says the peer sent everything it had; that counts once it is merged here too.
      if (merging_.empty()) {
        progress_.caught_up_received = true;
      } else {
        caught_up_after_ = merging_.back().first;
      }
      return std::nullopt;
    }
    case MessageKind::status_request:
      out_.send(Frame{MessageKind::status, [&] {
                        const std::string json = hooks_.status_json ? hooks_.status_json() : "{}";
                        return Bytes(json.begin(), json.end());
                      }()});
      return std::nullopt;
    case MessageKind::status:
      if (hooks_.on_status) {
        hooks_.on_status(std::string(message.payload.begin(), message.payload.end()));
      }
      return std::nullopt;
    case MessageKind::ping:
      out_.send(Frame{MessageKind::pong, {}});
      return std::nullopt;
    case MessageKind::pong:
    case MessageKind::delta_request:  // reserved; older or newer peers may send it
      return std::nullopt;
    default:
      return "unexpected " + std::string(to_string(message.kind)) + " message";
  }
}

std::optional<std::string> PeerSync::on_sync_start(const Frame& message) {
  if (peer_start_) return std::string("a second sync_start");
  SyncStart start;
  if (auto error = parse(message.payload, start, settings_.limits)) {
    return "malformed sync_start: " + error->message;
  }
  peer_filter_ = PrefixFilter(start.prefixes);
  peer_start_ = std::move(start);
  begin_outbound();
  return std::nullopt;
}

void PeerSync::begin_outbound() {
  // Observers (crdt status --node) neither get nor give documents.
  if (observer() || peer_start_->mode == SyncStart::Mode::observer) {
    progress_.state = OutboundState::idle;
    return;
  }
  const ReplicaReader::ResumePoint resume = replica_.resume_point(peer_);
  const std::optional<std::uint64_t>& acknowledged = resume.acknowledged;
  if (acknowledged && *acknowledged >= resume.truncated_through &&
      *acknowledged <= replica_.head()) {
    // Delta-interval catch-up: everything after what the peer confirmed is still in the log.
    progress_.state = OutboundState::streaming;
    cursor_ = *acknowledged;
    progress_.sent_to = cursor_;
    progress_.acknowledged = cursor_;
    persisted_ack_ = cursor_;
    pump();
    return;
  }
  // New, or behind the retained log: compare documents by digests first.
  progress_.state = OutboundState::repairing;
  repair_from_ = replica_.head();
  const DigestSummary root = replica_.digests().summary(0, 0, peer_filter_);
  if (root.documents == 0) {
    finish_repair();
    pump();  // nothing to compare: stream, and say caught_up, at once
    return;
  }
  send_digest({DigestNode{0, 0, root}});
}

void PeerSync::send_digest(std::vector<DigestNode> nodes) {
  for (auto& node : nodes) digest_pending_.push_back(std::move(node));
  // A round carries at most digest_nodes (what the peer answers); the rest go in later rounds.
  const std::size_t count =
      std::min(digest_pending_.size(), std::max<std::size_t>(1, settings_.digest_nodes));
  std::vector<DigestNode> round(
      std::make_move_iterator(digest_pending_.begin()),
      std::make_move_iterator(digest_pending_.begin() + static_cast<std::ptrdiff_t>(count)));
  digest_pending_.erase(digest_pending_.begin(),
                        digest_pending_.begin() + static_cast<std::ptrdiff_t>(count));
  DigestMessage message{++digest_round_, std::move(round)};
  const Frame frame = to_frame(message);
  progress_.digest_bytes_sent += frame.payload.size();
  ++progress_.digest_rounds;
  digest_outstanding_ = true;
  out_.send(frame);
}

std::optional<std::string> PeerSync::on_digest(const Frame& message) {
  DigestMessage digest;
  if (auto error = parse(message.payload, digest, settings_.limits)) {
    return "malformed digest: " + error->message;
  }
  progress_.digest_bytes_received += message.payload.size();
  // One request costs a bounded answer, and an honest peer reads one before asking again.
  if (digest.nodes.size() > settings_.digest_nodes) {
    return "digest of " + std::to_string(digest.nodes.size()) + " nodes exceeds the limit of " +
           std::to_string(settings_.digest_nodes);
  }
  if (out_.unsent_bytes() > settings_.digest_unread_bytes) {
    return "a digest while " + std::to_string(out_.unsent_bytes()) +
           " bytes sent to the peer are unread (limit " +
           std::to_string(settings_.digest_unread_bytes) + ")";
  }
  // Compared with what this side wants: its own subscriptions are the peer's filter for us.
  const DigestIndex& index = replica_.digests();
  DigestReply reply{digest.round, {}};
  for (const DigestNode& node : digest.nodes) {
    DigestResult result;
    result.depth = node.depth;
    result.prefix = node.prefix;
    const DigestSummary own = index.summary(node.depth, node.prefix, own_filter_);
    if (own == node.summary) {
      result.verdict = DigestResult::Verdict::equal;
    } else if (own.documents <= settings_.digest_leaf || node.depth >= kDigestMaxDepth) {
      result.verdict = DigestResult::Verdict::listed;
      for (const auto& [key, entry] : index.documents(node.depth, node.prefix, own_filter_)) {
        for (const auto& part : entry->parts) {
          result.listed.push_back(ListedDocument{key->second, part.type,
                                                 replica_.context_bytes(key->second, part.type)});
        }
      }
    } else {
      result.verdict = DigestResult::Verdict::split;
      result.children = index.children(node.depth, node.prefix, own_filter_);
    }
    reply.results.push_back(std::move(result));
  }
  const Frame frame = to_frame(reply);
  progress_.digest_bytes_sent += frame.payload.size();
  out_.send(frame);
  return std::nullopt;
}

std::optional<std::string> PeerSync::on_digest_reply(const Frame& message) {
  DigestReply reply;
  if (auto error = parse(message.payload, reply, settings_.limits)) {
    return "malformed digest_reply: " + error->message;
  }
  if (!digest_outstanding_ || reply.round != digest_round_) {
    return std::string("digest_reply for a round that was not asked");
  }
  progress_.digest_bytes_received += message.payload.size();
  digest_outstanding_ = false;
  const DigestIndex& index = replica_.digests();
  std::vector<DigestNode> next;
  for (const DigestResult& result : reply.results) {
    switch (result.verdict) {
      case DigestResult::Verdict::equal:
        break;
      case DigestResult::Verdict::split: {
        const auto own = index.children(result.depth, result.prefix, peer_filter_);
        for (unsigned i = 0; i < kDigestFanout; ++i) {
          if (own[i].documents == 0 || own[i] == result.children[i]) continue;
          next.push_back(DigestNode{static_cast<std::uint8_t>(result.depth + 1),
                                    DigestIndex::child_prefix(result.depth, result.prefix, i),
                                    own[i]});
        }
        break;
      }
      case DigestResult::Verdict::listed: {
        for (const auto& [key, entry] :
             index.documents(result.depth, result.prefix, peer_filter_)) {
          const std::string& id = key->second;
          for (const auto& part : entry->parts) {
            auto theirs = std::find_if(result.listed.begin(), result.listed.end(),
                                       [&](const ListedDocument& doc) {
                                         return doc.document == id && doc.type == part.type;
                                       });
            if (theirs == result.listed.end()) {
              // Absent there, or there with another type only: this state goes whole (a type
              // conflict is kept beside their document).
              repair_queue_.push_back(RepairDocument{id, part.type, {}});
            } else if (DigestIndex::hash_of(id, part.type, theirs->context) != part.hash) {
              repair_queue_.push_back(RepairDocument{id, part.type, theirs->context});
            }
          }
        }
        break;
      }
    }
  }
  if (!next.empty() || !digest_pending_.empty()) send_digest(std::move(next));
  pump();
  return std::nullopt;
}

bool PeerSync::send_deltas(DeltasMessage message) {
  message.number = next_number_++;
  progress_.items_sent += message.items.size();
  return out_.send(to_frame(message));
}

bool PeerSync::send_repair_batch() {
  DeltasMessage message;
  std::size_t bytes = 0;
  while (!repair_queue_.empty() && bytes < settings_.batch_bytes &&
         message.items.size() < settings_.batch_items) {
    RepairDocument doc = std::move(repair_queue_.front());
    repair_queue_.pop_front();
    auto delta = replica_.delta_for(doc.id, doc.type, doc.known_context);
    if (!delta) continue;
    bytes += delta->size();
    ++progress_.repair_documents_sent;
    message.items.push_back(DeltaItem{doc.id, doc.type, std::move(*delta)});
  }
  if (message.items.empty()) return false;
  return send_deltas(std::move(message));
}

void PeerSync::finish_repair() {
  progress_.state = OutboundState::streaming;
  cursor_ = repair_from_;
  progress_.sent_to = cursor_;
  if (repair_from_ > 0) {
    // An empty message at the repair's point: its acknowledgement records the peer as having
    // everything up to there, so the next session resumes from the log instead of digests.
    send_deltas(DeltasMessage{0, repair_from_, repair_from_, {}});
  }
}

bool PeerSync::send_stream_batch() {
  if (prepared_) return send_prepared();
  auto read = replica_.entries_since(cursor_, settings_.range_entries, settings_.range_bytes);
  if (!read) return false;  // being read off the loop: pumped again once it is here
  auto entries = std::move(*read);
  if (entries.empty()) return false;
  std::vector<const persist::LogEntry*> wanted;
  bool echoes = false;
  bool others = false;
  for (const auto& entry : entries) {
    if (entry->origin == peer_) {
      echoes = true;
      continue;
    }
    others = true;
    if (!peer_filter_.matches(entry->document)) continue;
    wanted.push_back(entry.get());
  }
  if (!others && in_flight() == 0 && !prepared_ && progress_.acknowledged >= progress_.sent_to) {
    // Nothing but the peer's own writes, with nothing unacknowledged before them: the peer has
    // all of it, so this side counts it as acknowledged without a message (a resume starts past
    // it, and a device that stops right after its first sync does not come back by digests).
    cursor_ = entries.back()->seq;
    progress_.sent_to = cursor_;
    progress_.acknowledged = cursor_;
    return true;
  }
  // The peer's own writes came back behind other messages: it is told at once that the log
  // moved past them (pump); ranges skipped by its filter are announced lazily.
  if (echoes) position_due_ = true;
  cursor_ = entries.back()->seq;
  // Nothing for this peer: no message now; the next one covers the range, or a position message
  // does (pump), so a peer that wants none of the traffic is not sent a message per write.
  if (wanted.empty()) return true;
  auto joined = replica_.join(wanted);
  prepared_ = PreparedRange{std::deque<DeltaItem>(std::make_move_iterator(joined.begin()),
                                                  std::make_move_iterator(joined.end())),
                            progress_.sent_to, cursor_};
  return send_prepared();
}

bool PeerSync::send_prepared() {
  PreparedRange& range = *prepared_;
  DeltasMessage message;
  std::size_t bytes = 0;
  while (!range.items.empty() && message.items.size() < settings_.batch_items &&
         (message.items.empty() ||
          bytes + range.items.front().delta.size() <= settings_.batch_bytes)) {
    bytes += range.items.front().delta.size();
    message.items.push_back(std::move(range.items.front()));
    range.items.pop_front();
  }
  if (range.items.empty()) {
    message.from = range.from;
    message.to = range.to;
    progress_.sent_to = range.to;
    prepared_.reset();
  }
  return send_deltas(std::move(message));
}

void PeerSync::pump() {
  if (out_.closed()) return;
  while (in_flight() < settings_.window && !out_.closed()) {
    if (progress_.state == OutboundState::repairing) {
      if (send_repair_batch()) continue;
      if (digest_outstanding_) break;
      finish_repair();
      continue;
    }
    if (progress_.state != OutboundState::streaming) break;
    if (send_stream_batch()) continue;
    // A position message (no items) lets the peer acknowledge a skipped range, so it resumes
    // past it and the log can be truncated; sent at the end of the initial exchange, when asked
    // (flush_position), or when the range grows long.
    const bool position_due = position_due_ || !progress_.caught_up_sent ||
                              cursor_ - progress_.sent_to >= settings_.position_entries;
    if (cursor_ > progress_.sent_to && in_flight() == 0 && !prepared_ && position_due) {
      position_due_ = false;
      send_deltas(DeltasMessage{0, progress_.sent_to, cursor_, {}});
      progress_.sent_to = cursor_;
      continue;
    }
    break;
  }
  if (progress_.state == OutboundState::streaming && !progress_.caught_up_sent && !prepared_ &&
      cursor_ >= progress_.head_at_start && !out_.closed()) {
    caught_up_number_ = next_number_ - 1;
    progress_.caught_up_sent = true;
    out_.send(to_frame(CaughtUp{progress_.head_at_start}));
  }
  progress_.messages_in_flight = in_flight();
}

std::optional<std::string> PeerSync::parse_deltas(const Frame& message) {
  DeltasMessage deltas;
  if (auto error = parse(message.payload, deltas, settings_.limits)) {
    return "malformed deltas: " + error->message;
  }
  return on_deltas(std::move(deltas));
}

std::optional<std::string> PeerSync::on_deltas(DeltasMessage deltas) {
  if (!peer_start_) return std::string("deltas before sync_start");
  if (!merging_.empty() && deltas.number <= merging_.back().first) {
    return std::string("deltas messages out of order");
  }
  if (merging_.size() >= settings_.max_pending_merges) {
    return "more than " + std::to_string(settings_.max_pending_merges) +
           " deltas messages waiting to be merged";
  }
  progress_.items_received += deltas.items.size();
  merging_.emplace_back(deltas.number, deltas.to);
  if (hooks_.merge) {
    hooks_.merge(deltas.number, std::move(deltas.items));
  } else {
    merged(deltas.number, MergeOutcome{});
  }
  return std::nullopt;
}

void PeerSync::merged(std::uint64_t number, const MergeOutcome& outcome) {
  if (merging_.empty() || merging_.front().first != number) return;  // not asked, or stale
  const std::uint64_t to = merging_.front().second;
  merging_.pop_front();
  progress_.documents_received += outcome.changed;
  for (const auto& type : outcome.unknown_types) {
    if (hooks_.log) hooks_.log("skipped a delta of unknown type " + type);
  }
  if (hooks_.on_merged) hooks_.on_merged(outcome);
  if (caught_up_after_ && number >= *caught_up_after_) {
    caught_up_after_.reset();
    progress_.caught_up_received = true;
  }
  out_.send(to_frame(AckMessage{number, to}));
}

std::optional<std::string> PeerSync::on_ack(const Frame& message) {
  AckMessage ack;
  if (auto error = parse(message.payload, ack, settings_.limits)) {
    return "malformed ack: " + error->message;
  }
  if (ack.number >= next_number_ || ack.to > progress_.sent_to) {
    return std::string("ack for a message never sent");
  }
  acked_number_ = std::max(acked_number_, ack.number);
  progress_.acknowledged = std::max(progress_.acknowledged, ack.to);
  pump();
  return std::nullopt;
}

void PeerSync::flush_position() {
  position_due_ = true;
  pump();
}

std::optional<std::uint64_t> PeerSync::ack_to_persist() {
  if (progress_.acknowledged <= persisted_ack_) return std::nullopt;
  persisted_ack_ = progress_.acknowledged;
  return persisted_ack_;
}

}  // namespace crdt::sync
