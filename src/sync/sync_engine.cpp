#include "sync_engine.hpp"

#include <algorithm>
#include <deque>
#include <mutex>
#include <random>
#include <stdexcept>
#include <utility>

#include "crdt/persist/error.hpp"
#include "crdt/sync/node_status.hpp"

namespace crdt::sync {

namespace {

// Errors that say the file itself cannot be served from: every session would meet them again.
bool store_unusable(const std::exception& error) {
  const auto* failure = dynamic_cast<const persist::Error*>(&error);
  if (failure == nullptr) return false;
  switch (failure->code()) {
    case persist::ErrorCode::not_a_database:
    case persist::ErrorCode::storage_corrupt:
    case persist::ErrorCode::newer_schema:
      return true;
    default:
      return false;
  }
}

}  // namespace

struct SyncEngine::Session {
  std::uint64_t id = 0;
  std::shared_ptr<Connection> connection;
  std::unique_ptr<PeerLink> link;
  std::unique_ptr<PeerSync> sync;
  std::optional<std::size_t> dialer;
  bool outgoing = false;
  std::uint64_t opened_ms = 0;
  std::uint64_t last_heard_ms = 0;
  std::uint64_t last_ping_ms = 0;
  bool closing = false;
  bool accepted = false;  // counted by the admission
  // A chunked transfer's progress: chunks seen at the last tick, and when that count last moved.
  std::uint64_t chunks_seen = 0;
  std::uint64_t chunks_moved_ms = 0;
  // A deltas message is being parsed off the loop; what the peer sent after it waits here.
  bool parsing = false;
  std::deque<Frame> held;
  std::shared_ptr<QueuedMerge> queued_merge;  // the last one submitted
};

SyncEngine::SyncEngine(EventLoop& loop, Transport& transport, persist::SharedStore& store,
                       NodeOptions options, StoreWorker* worker, EventLoop* decoder)
    : loop_(loop),
      transport_(transport),
      store_(store),
      options_(std::move(options)),
      replica_(store),
      own_worker_(worker == nullptr ? std::make_unique<LoopStoreWorker>(loop, store) : nullptr),
      worker_(worker == nullptr ? own_worker_.get() : worker),
      decoder_(decoder),
      subscriptions_(options_.callback_executor),
      admission_(options_.connections) {
  seed_ = options_.seed != 0 ? options_.seed : std::random_device{}();
  settings_ = options_.sync;
  slice_.max_items = settings_.merge_slice_items;
  slice_.max_bytes = settings_.merge_slice_bytes;
  // A time bound depends on the machine: only where the work really runs beside the loop.
  slice_.max_ms = worker == nullptr ? 0 : settings_.merge_slice_ms;
  slice_.alone_factor = settings_.merge_slice_alone;
  if (decoder_ != nullptr) {
    // Ranges of the log behind the replica's cache (a device resuming from far back) are read
    // beside the loop, on the decoder, then every session is pumped.
    replica_.read_in_background = [this](const LocalReplica::RangeRead& request) {
      decoder_->post([&loop = loop_, this, alive = alive_, decoder_alive = decoder_alive_,
                      reader = replica_.background_reader(), request] {
        if (!*decoder_alive) return;
        auto entries = std::make_shared<std::optional<std::vector<LogEntryRef>>>();
        try {
          *entries = LocalReplica::RangeRead::run(reader->get(), request);
        } catch (const std::exception&) {
          // Read again on the loop, where a failure is reported as any other.
        }
        loop.post([this, alive, request, entries] {
          if (!*alive) return;
          guard(0, [&] { replica_.read_done(request, std::move(*entries)); });
          schedule_poll();  // pumps every session
        });
      });
    };
  }
  slice_.contended = [worker = worker_] { return worker->others_waiting(); };
}

SyncEngine::~SyncEngine() {
  *alive_ = false;
  *decoder_alive_ = false;
  stop();
}

namespace {

// Control characters (a newline above all) and backslashes as escapes: a document id or a reason
// from a peer goes into one log line, never several.
std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  constexpr char kHex[] = "0123456789abcdef";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '\\') {
      out += "\\\\";
    } else if (byte < 0x20 || byte == 0x7f) {
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 15];
    } else {
      out += c;
    }
  }
  return out;
}

// Lines a second the log takes before it summarizes (a flood of connections writes no flood).
constexpr std::uint64_t kLogBurst = 50;

}  // namespace

void SyncEngine::log(const std::string& line) {
  if (!options_.log) return;
  const std::uint64_t second = loop_.now_ms() / 1000;
  if (second != log_second_) {
    if (log_dropped_ > 0) {
      options_.log(std::to_string(log_dropped_) + " log lines left out (more than " +
                   std::to_string(kLogBurst) + " a second)");
    }
    log_second_ = second;
    log_lines_ = 0;
    log_dropped_ = 0;
  }
  if (++log_lines_ > kLogBurst) {
    ++log_dropped_;
    return;
  }
  options_.log(printable(line));
}

void SyncEngine::breach(const char* limit, const std::string& line) {
  ++breaches_[limit];
  log(line + " (limit " + limit + ")");
}

template <class F>
void SyncEngine::guard(std::uint64_t id, F&& step) {
  try {
    step();
  } catch (const std::exception& error) {
    handle_failure(id, error);
  }
}

void SyncEngine::handle_failure(std::uint64_t id, const std::exception& error) {
  if (store_unusable(error)) {
    fail(std::string("the store is unusable: ") + error.what());
    return;
  }
  const bool storage = dynamic_cast<const persist::Error*>(&error) != nullptr;
  const std::string reason =
      (storage ? "storage error: " : "internal error: ") + std::string(error.what());
  if (id != 0 && find(id) != nullptr) {
    close_session(id, reason);
  } else {
    log(reason);
  }
}

void SyncEngine::fail(const std::string& reason) {
  if (failure_ || !running_) return;
  failure_ = reason;
  // Past the rate limit: the one line that says why the node stopped must never be left out.
  if (options_.log) options_.log(printable("stopping: " + reason));
  // Not from here: this may run inside a session's own callback, which stop() destroys.
  loop_.post([this, alive = alive_] {
    if (!*alive) return;
    try {
      stop();
    } catch (const std::exception& error) {
      log(std::string("while stopping: ") + error.what());
    }
    if (on_failure_) on_failure_(*failure_);
  });
}

void SyncEngine::start() {
  if (running_) return;
  running_ = true;
  for (const Address& address : options_.listen) {
    auto result = transport_.listen(
        address, [this](std::shared_ptr<Connection> connection) { accept(std::move(connection)); });
    if (!result.bound) {
      running_ = false;
      throw std::runtime_error("cannot listen on " + address.str() + ": " + result.error);
    }
    bound_.push_back(*result.bound);
    log("listening on " + result.bound->str());
  }
  for (const Address& address : options_.peers) add_peer(address);
  poll_timer_ = loop_.schedule(options_.poll_interval, [this, alive = alive_] {
    if (*alive) guard(0, [this] { poll_log(); });
  });
  tick_timer_ = loop_.schedule(options_.ack_interval, [this, alive = alive_] {
    if (*alive) guard(0, [this] { tick(); });
  });
  schedule_digest_refresh();  // the first build, before a new peer asks for it
}

void SyncEngine::stop() {
  if (!running_) return;
  running_ = false;
  loop_.cancel(poll_timer_);
  loop_.cancel(tick_timer_);
  loop_.cancel(digest_timer_);
  digest_timer_ = 0;
  for (auto& dialer : dialers_) loop_.cancel(dialer.timer);
  // What was queued (acknowledgements to persist, merges) is finished first; merges that commit
  // now are not acknowledged, and their peers send them again, which is harmless.
  worker_->stop(true);
  for (auto& [id, session] : sessions_) persist_ack(*session, true);
  transport_.shutdown();
  // The links are gone with the sessions; late connection callbacks find nothing.
  sessions_.clear();
}

void SyncEngine::halt() {
  if (!running_) return;
  running_ = false;
  loop_.cancel(poll_timer_);
  loop_.cancel(tick_timer_);
  loop_.cancel(digest_timer_);
  digest_timer_ = 0;
  for (auto& dialer : dialers_) loop_.cancel(dialer.timer);
  worker_->stop(false);  // like a killed process: nothing more is written
  transport_.shutdown();
  sessions_.clear();
}

void SyncEngine::add_peer(const Address& address) {
  dialers_.push_back(
      Dialer{address,
             Backoff(options_.reconnect_min, options_.reconnect_max, seed_ + dialers_.size() + 1),
             std::nullopt,
             0,
             {},
             std::nullopt});
  dial(dialers_.size() - 1);
}

void SyncEngine::dial(std::size_t index) {
  if (!running_) return;
  dialers_[index].timer = 0;
  transport_.connect(
      dialers_[index].address, [this, index, alive = alive_](std::shared_ptr<Connection> connection,
                                                             const std::string& error) {
        if (!*alive) return;
        if (!running_) {
          if (connection) connection->close("node stopping");
          return;
        }
        if (!connection) {
          Dialer& dialer = dialers_[index];
          if (dialer.last_error != error) {
            log("cannot connect to " + dialer.address.str() + ": " + error);
          }
          dialer.last_error = error;
          redial_later(index);
          return;
        }
        dialers_[index].session = open_session(std::move(connection), Role::initiator, index);
      });
}

void SyncEngine::redial_later(std::size_t index) {
  if (!running_) return;
  Dialer& dialer = dialers_[index];
  dialer.session.reset();
  const auto wait = dialer.backoff.next();
  dialer.timer = loop_.schedule(wait, [this, index, alive = alive_] {
    if (*alive) dial(index);
  });
}

void SyncEngine::accept(std::shared_ptr<Connection> connection) {
  if (!running_) {
    connection->close("node stopping");
    return;
  }
  guard(0, [&] {
    const std::string remote = connection->remote();
    const std::uint64_t id = open_session(std::move(connection), Role::acceptor, std::nullopt);
    if (Session* session = find(id)) session->accepted = true;
    for (const auto& evicted : admission_.admit(id, remote)) {
      if (Session* old = find(evicted.id)) {
        breach(evicted.limit, "closing the connection from " + old->connection->remote() +
                                  ", whose handshake was not done, to admit a newer one");
        close_session(evicted.id,
                      std::string("evicted for a newer connection (") + evicted.limit + ")");
      }
    }
  });
}

std::uint64_t SyncEngine::open_session(std::shared_ptr<Connection> connection, Role role,
                                       std::optional<std::size_t> dialer) {
  const std::uint64_t id = next_session_++;
  auto session = std::make_unique<Session>();
  session->id = id;
  session->connection = connection;
  session->dialer = dialer;
  session->outgoing = role == Role::initiator;
  session->opened_ms = loop_.now_ms();
  session->last_heard_ms = session->opened_ms;
  HandshakeConfig config{replica_.id(), supported_versions(), options_.secret};
  PeerLink::Events events;
  events.on_established = [this, id] { guard(id, [&] { on_established(id); }); };
  events.on_message = [this, id](Frame message) {
    guard(id, [&] { on_message(id, std::move(message)); });
  };
  events.on_closed = [this, id](const std::string& reason) {
    guard(0, [&] { on_closed(id, reason); });
  };
  ReassemblyLimits reassembly;
  reassembly.max_message_size = settings_.max_reassembly_bytes;
  reassembly.max_buffered_bytes = settings_.max_reassembly_bytes;
  reassembly.max_transfers = 2;  // an honest sender finishes one message before the next
  session->link = std::make_unique<PeerLink>(
      std::move(connection), role, std::move(config), options_.max_frame_size, std::move(events),
      options_.connections.max_handshake_frame_size, reassembly);
  PeerLink& link = *session->link;
  sessions_.emplace(id, std::move(session));
  link.start();
  return id;
}

SyncEngine::Session* SyncEngine::find(std::uint64_t id) {
  auto it = sessions_.find(id);
  return it == sessions_.end() ? nullptr : it->second.get();
}

void SyncEngine::on_established(std::uint64_t id) {
  Session* session = find(id);
  if (session == nullptr) return;
  if (session->accepted) {
    if (const char* limit = admission_.establish(id)) {
      breach(limit, "refusing a session with " + session->link->peer_id().to_string() + " at " +
                        session->link->remote());
      close_session(id, std::string("refused: too many sessions (") + limit + ")");
      return;
    }
  }
  log("session with " + session->link->peer_id().to_string() + " at " + session->link->remote() +
      " established (protocol " + std::to_string(session->link->version()) + ")");
  if (session->dialer) dialers_[*session->dialer].backoff.reset();
  SyncStart own{SyncStart::Mode::replica, options_.subscribe,
                store_.with_store([](persist::Store& s) { return s.label(); })};
  PeerSync::Hooks hooks;
  const ReplicaId peer = session->link->peer_id();
  hooks.merge = [this, id, peer](std::uint64_t number, std::vector<DeltaItem> items) {
    submit_merge(id, peer, number, std::move(items));
  };
  hooks.on_merged = [this](const MergeOutcome& outcome) {
    for (const auto& item : outcome.conflicts) {
      log("type conflict on " + item.document + ": a peer has it as " + item.type);
      subscriptions_.conflict(item.document, item.type);
    }
    if (outcome.changed > 0) schedule_poll();
  };
  hooks.status_json = [this] { return status_json(); };
  hooks.log = [this, id](const std::string& line) {
    log("session " + std::to_string(id) + ": " + line);
  };
  session->sync = std::make_unique<PeerSync>(replica_, *session->link, std::move(own), settings_,
                                             std::move(hooks));
  // Follow the log first: "what this side held when the session began" must include writes made
  // since the last poll (by the app or another process).
  poll_log();
  session->sync->start(peer);
}

// A session's deltas messages waiting for the store worker. Messages that arrive before the worker
// started on it join it (up to one slice), so a peer whose small updates queue up behind another
// session's large merge gets them all committed in one transaction, not one per turn.
struct SyncEngine::QueuedMerge {
  std::mutex mutex;  // `started`, and the fields below until then
  bool started = false;
  std::vector<std::uint64_t> numbers;
  std::vector<DeltaItem> items;
  std::size_t bytes = 0;
  // The worker's alone once started.
  std::size_t next = 0;
  MergeOutcome outcome;
};

void SyncEngine::submit_merge(std::uint64_t id, ReplicaId peer, std::uint64_t number,
                              std::vector<DeltaItem> items) {
  std::size_t bytes = 0;
  for (const auto& item : items) bytes += item.delta.size();
  Session* session = find(id);
  if (session != nullptr && session->queued_merge) {
    QueuedMerge& queued = *session->queued_merge;
    std::lock_guard lock(queued.mutex);
    if (!queued.started && queued.items.size() + items.size() <= slice_.max_items &&
        queued.bytes + bytes <= slice_.max_bytes) {
      queued.numbers.push_back(number);
      queued.bytes += bytes;
      for (auto& item : items) queued.items.push_back(std::move(item));
      return;
    }
  }
  auto merge = std::make_shared<QueuedMerge>();
  merge->numbers.push_back(number);
  merge->items = std::move(items);
  merge->bytes = bytes;
  if (session != nullptr) session->queued_merge = merge;
  // Runs on the worker: only the store, the loop's post() and what it captured by value.
  worker_->submit(
      id, [this, alive = alive_, merge, id, peer, slice = slice_](persist::Store& store) -> bool {
        if (merge->next == 0) {
          std::lock_guard lock(merge->mutex);
          merge->started = true;
        }
        try {
          merge->next = merge_slice(store, merge->items, merge->next, peer, slice, merge->outcome);
        } catch (const std::exception& error) {
          loop_.post([this, alive, id, reason = std::string(error.what()),
                      unusable = store_unusable(error)] {
            if (!*alive) return;
            if (unusable) {
              fail("the store is unusable: " + reason);
            } else {
              close_session(id, "protocol error: could not merge deltas: " + reason);
            }
          });
          return false;
        }
        if (merge->next < merge->items.size()) return true;  // the rest after the others' turns
        loop_.post([this, alive, id, merge] {
          if (!*alive) return;
          Session* owner = find(id);
          if (owner == nullptr) return;
          if (owner->queued_merge == merge) owner->queued_merge.reset();
          // Acknowledged in order; the outcome (counted once) goes with the last.
          guard(id, [&] {
            for (std::size_t i = 0; i < merge->numbers.size(); ++i) {
              if (owner->closing || !owner->sync) return;
              owner->sync->merged(merge->numbers[i],
                                  i + 1 == merge->numbers.size() ? merge->outcome : MergeOutcome{});
            }
          });
        });
        return false;
      });
}

void SyncEngine::persist_ack(Session& session, bool now) {
  if (!session.sync || !session.link->established()) return;
  const auto seq = session.sync->ack_to_persist();
  if (!seq) return;
  const ReplicaId peer = session.link->peer_id();
  if (now) {
    try {
      store_.with_store([&](persist::Store& s) { s.replication().acknowledge(peer, *seq); });
    } catch (const std::exception& error) {
      log(std::string("could not persist an acknowledgement: ") + error.what());
    }
    return;
  }
  worker_->submit(session.id, [this, alive = alive_, peer, seq = *seq](persist::Store& s) {
    try {
      s.replication().acknowledge(peer, seq);
    } catch (const std::exception& error) {
      loop_.post([this, alive, reason = std::string(error.what())] {
        if (*alive) log("could not persist an acknowledgement: " + reason);
      });
    }
    return false;
  });
}

void SyncEngine::on_message(std::uint64_t id, Frame message) {
  Session* session = find(id);
  if (session == nullptr || session->closing || !session->sync) return;
  session->last_heard_ms = loop_.now_ms();
  if (session->parsing) {
    // An honest peer keeps to its window: a few deltas messages and their small neighbours.
    if (session->held.size() >= settings_.max_pending_merges) {
      close_session(id, "protocol error: more than " +
                            std::to_string(settings_.max_pending_merges) +
                            " messages behind one being parsed");
      return;
    }
    session->held.push_back(std::move(message));
    return;
  }
  deliver(*session, std::move(message));
}

void SyncEngine::deliver(Session& session, Frame message) {
  if (decoder_ != nullptr && message.kind == MessageKind::deltas &&
      message.payload.size() >= settings_.offload_parse_bytes) {
    session.parsing = true;
    // Runs on the decoder: only what it captured by value, and the loop's post().
    decoder_->post([&loop = loop_, this, alive = alive_, id = session.id,
                    payload = std::move(message.payload), limits = session.sync->limits()] {
      auto parsed = std::make_shared<DeltasMessage>();
      std::optional<PayloadError> error;
      try {
        error = parse(payload, *parsed, limits);
      } catch (const std::exception& failure) {
        // Nothing may escape the decoder's loop (it would stop every session's parsing); the
        // message is malformed as far as this session is concerned (e.g. out of memory).
        error = PayloadError{serialization::DecodeError::malformed, failure.what()};
      }
      loop.post([this, alive, id, parsed, error = std::move(error)] {
        if (*alive) guard(id, [&] { on_parsed(id, std::move(*parsed), error); });
      });
    });
    return;
  }
  if (auto error = session.sync->on_message(message)) {
    close_session(session.id, "protocol error: " + *error);
  }
}

void SyncEngine::on_parsed(std::uint64_t id, DeltasMessage deltas,
                           std::optional<PayloadError> error) {
  Session* session = find(id);
  if (session == nullptr || session->closing || !session->sync) return;
  session->parsing = false;
  const auto failure = error ? std::optional<std::string>("malformed deltas: " + error->message)
                             : session->sync->on_deltas(std::move(deltas));
  if (failure) {
    close_session(id, "protocol error: " + *failure);
    return;
  }
  while (!session->parsing && !session->closing && !session->held.empty()) {
    Frame next = std::move(session->held.front());
    session->held.pop_front();
    deliver(*session, std::move(next));
  }
}

void SyncEngine::close_session(std::uint64_t id, const std::string& reason) {
  Session* session = find(id);
  if (session == nullptr || session->closing) return;
  session->closing = true;
  session->link->close(reason);
}

void SyncEngine::on_closed(std::uint64_t id, const std::string& reason) {
  Session* session = find(id);
  if (session == nullptr) return;
  const std::string who = session->link->established() ? session->link->peer_id().to_string() +
                                                             " at " + session->connection->remote()
                                                       : session->connection->remote();
  if (const char* limit = session->link->breached_limit()) {
    breach(limit, "session with " + who + " closed: " + reason);
  } else {
    log("session with " + who + " closed: " + reason);
  }
  admission_.closed(id);
  ++sessions_closed_;
  persist_ack(*session, !running_);
  const auto dialer = session->dialer;
  if (dialer) {
    const bool refused = !session->link->established() && reason.starts_with("refused");
    dialers_[*dialer].refusal = refused ? std::optional<std::string>(reason) : std::nullopt;
  }
  // Destroyed later: this runs inside the link's own callback.
  loop_.post([this, id, alive = alive_] {
    if (*alive) sessions_.erase(id);
  });
  if (dialer && running_) redial_later(*dialer);
}

void SyncEngine::schedule_poll() {
  if (poll_posted_) return;
  poll_posted_ = true;
  loop_.post([this, alive = alive_] {
    if (!*alive) return;
    poll_posted_ = false;
    guard(0, [this] { poll_log(); });
  });
}

void SyncEngine::log_advanced() { schedule_poll(); }

void SyncEngine::poll_log() {
  if (!running_) return;
  // Rescheduled first, so that a failure below does not stop the following.
  loop_.cancel(poll_timer_);
  poll_timer_ = loop_.schedule(options_.poll_interval, [this, alive = alive_] {
    if (*alive) guard(0, [this] { poll_log(); });
  });
  std::vector<LogEntryRef> fresh;
  try {
    fresh = replica_.poll();
  } catch (const std::exception& error) {
    handle_failure(0, error);
    if (!running_ || failure_) return;
  }
  subscriptions_.changed(replica_, fresh);
  if (!fresh.empty()) schedule_digest_refresh();
  if (replica_.poll_more()) schedule_poll();
  for (auto& [id, session] : sessions_) {
    if (session->sync && !session->closing && session->sync->peer_start() != nullptr) {
      guard(id, [&sync = *session->sync] { sync.pump(); });
    }
  }
}

void SyncEngine::schedule_digest_refresh() {
  if (decoder_ == nullptr || !running_) return;
  // Once the log has been quiet for the delay: during an upload the documents keep changing, and
  // hashing them every second would only compete with the upload (a digest exchange that comes
  // first refreshes what it needs on the loop).
  loop_.cancel(digest_timer_);
  digest_timer_ = loop_.schedule(settings_.digest_refresh_delay, [this, alive = alive_] {
    if (!*alive) return;
    digest_timer_ = 0;
    guard(0, [this] { refresh_digests(); });
  });
}

void SyncEngine::refresh_digests() {
  if (decoder_ == nullptr || !running_) return;
  auto refresh = replica_.take_digest_refresh();
  if (!refresh) return;
  auto work = std::make_shared<const DigestRefresh>(std::move(*refresh));
  // Runs on the decoder with a connection of its own; the store (and its types) outlive it in
  // Node, and the flag stops it from starting once the engine is gone (the simulation).
  decoder_->post([&loop = loop_, this, alive = alive_, decoder_alive = decoder_alive_,
                  reader = replica_.background_reader(), work] {
    if (!*decoder_alive) return;
    std::shared_ptr<const std::vector<DigestRefresh::Result>> done;
    try {
      done =
          std::make_shared<const std::vector<DigestRefresh::Result>>(work->compute(reader->get()));
    } catch (const std::exception&) {
      // Left out of date: the next digest exchange refreshes it on the loop.
    }
    loop.post([this, alive, work, done] {
      if (!*alive) return;
      if (!done) {
        replica_.abandon_digest_refresh(*work);
        return;
      }
      guard(0, [&] { replica_.apply_digest_refresh(*work, *done); });
      schedule_digest_refresh();  // what changed meanwhile
    });
  });
}

void SyncEngine::tick() {
  if (!running_) return;
  tick_timer_ = loop_.schedule(options_.ack_interval, [this, alive = alive_] {
    if (*alive) guard(0, [this] { tick(); });
  });
  const std::uint64_t now = loop_.now_ms();
  std::vector<std::pair<std::uint64_t, std::string>> to_close;
  std::vector<persist::Acknowledgement> acks;
  // Skipped ranges are announced about once a second (kTicksPerPosition ticks).
  constexpr std::uint64_t kTicksPerPosition = 10;
  const bool position_tick = ++ticks_ % kTicksPerPosition == 0;
  for (auto& [id, session] : sessions_) {
    if (session->closing) continue;
    guard(id, [&link = *session->link] { link.flush(); });
    if (!session->link->established()) {
      if (now - session->opened_ms >
          static_cast<std::uint64_t>(options_.handshake_timeout.count())) {
        to_close.emplace_back(id, "handshake timed out");
      }
      continue;
    }
    if (session->link->transfer_unfinished()) {
      if (session->link->chunks_received() != session->chunks_seen) {
        session->chunks_seen = session->link->chunks_received();
        session->chunks_moved_ms = now;
      } else if (now - session->chunks_moved_ms >
                 static_cast<std::uint64_t>(options_.idle_timeout.count())) {
        breach("reassembly_timeout",
               "a chunked message from " + session->link->remote() + " stalled");
        to_close.emplace_back(id, "a chunked message received no chunk for " +
                                      std::to_string(now - session->chunks_moved_ms) + " ms");
        continue;
      }
    } else {
      session->chunks_seen = session->link->chunks_received();
      session->chunks_moved_ms = now;
    }
    if (now - session->last_heard_ms > static_cast<std::uint64_t>(options_.idle_timeout.count())) {
      to_close.emplace_back(
          id, "peer silent for " + std::to_string(now - session->last_heard_ms) + " ms");
      continue;
    }
    // Pinged well within the idle timeout, so a quiet but healthy peer is never taken for dead.
    const auto ping_every = static_cast<std::uint64_t>(
        std::min<std::int64_t>(options_.keepalive.count(), options_.idle_timeout.count() / 3));
    if (now - std::max(session->last_heard_ms, session->last_ping_ms) > ping_every) {
      session->last_ping_ms = now;
      session->link->send(Frame{MessageKind::ping, {}});
    }
    if (session->sync && session->link->established()) {
      if (position_tick) guard(id, [&sync = *session->sync] { sync.flush_position(); });
      if (const auto seq = session->sync->ack_to_persist()) {
        acks.push_back({session->link->peer_id(), *seq});
      }
    }
  }
  for (const auto& [id, reason] : to_close) close_session(id, reason);
  if (!acks.empty()) {
    // Every session's acknowledgement in one transaction (one fsync), off the loop, as background
    // work (session ids start at 1). The truncation they allow runs in steps (more: true).
    worker_->submit(StoreWorker::kBackground, [this, alive = alive_, acks = std::move(acks),
                                               step = settings_.truncate_step,
                                               recorded = false](persist::Store& s) mutable {
      try {
        const std::size_t dropped =
            recorded ? s.replication().truncate_log(step) : s.replication().acknowledge(acks, step);
        recorded = true;
        return dropped >= step;
      } catch (const std::exception& error) {
        loop_.post([this, alive, reason = std::string(error.what())] {
          if (*alive) log("could not persist acknowledgements: " + reason);
        });
      }
      return false;
    });
  }
}

std::optional<std::string> SyncEngine::refusal() const {
  for (const Dialer& dialer : dialers_) {
    if (dialer.refusal) return dialer.address.str() + ": " + *dialer.refusal;
  }
  return std::nullopt;
}

bool SyncEngine::dialed_peers_synced() const {
  for (const Dialer& dialer : dialers_) {
    if (!dialer.session) return false;
    auto it = sessions_.find(*dialer.session);
    if (it == sessions_.end() || !it->second->sync || !it->second->sync->initial_sync_done()) {
      return false;
    }
  }
  return true;
}

std::vector<SessionReport> SyncEngine::sessions() {
  std::vector<SessionReport> out;
  for (auto& [id, session] : sessions_) {
    SessionReport info;
    info.id = id;
    info.outgoing = session->outgoing;
    info.remote = session->connection->remote();
    info.established = session->link->established();
    info.link = session->link->stats();
    info.ms_since_contact = loop_.now_ms() - session->last_heard_ms;
    if (info.established) info.peer = session->link->peer_id();
    if (session->sync) {
      info.progress = session->sync->progress();
      info.initial_sync_done = session->sync->initial_sync_done();
      if (const SyncStart* start = session->sync->peer_start()) info.label = start->label;
      if (info.progress.state == OutboundState::streaming ||
          info.progress.state == OutboundState::repairing) {
        const auto span = replica_.read([&](persist::Store& s) {
          return s.replication().log_span(info.progress.acknowledged);
        });
        info.pending_entries = span.entries;
        info.pending_bytes = span.bytes;
      }
    }
    out.push_back(std::move(info));
  }
  return out;
}

std::string SyncEngine::status_json() {
  NodeStatus status = replica_.read([](persist::Store& s) { return read_status(s); });
  status.running = true;
  status.listening = bound_;
  status.sessions = sessions();
  status.sessions_closed = sessions_closed_;
  status.limits_breached = breaches_;
  return to_json(status);
}

}  // namespace crdt::sync
