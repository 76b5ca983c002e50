#include <algorithm>
#include <string>
#include <utility>

#include "crdt/persist/store.hpp"
#include "schema.hpp"
#include "store_impl.hpp"

namespace crdt::persist {

namespace {

// The condition every truncation adds: a delta still pending fold into its document stays.
constexpr std::string_view kNotPending = "seq NOT IN (SELECT seq FROM pending_deltas)";

// Deletes the log entries matching `condition` (with ?1 bound to `bound`); returns how many and
// raises `through` to the highest seq deleted.
// Drops the oldest entries matching `condition` (bound to ?1), at most `limit` of them; `through`
// rises to the highest seq dropped.
std::size_t drop_entries(sqlite::Connection& conn, const std::string& condition, std::int64_t bound,
                         std::uint64_t& through, std::size_t limit) {
  if (limit == 0) return 0;
  const std::string chosen =
      "SELECT seq FROM delta_log WHERE " + condition + " ORDER BY seq LIMIT ?2";
  const auto count = static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX));
  {
    auto highest = conn.cached("SELECT max(seq) FROM (" + chosen + ")");
    highest->bind(1, bound).bind(2, count);
    if (!highest->step() || highest->is_null(0)) return 0;
    through = std::max(through, highest->uint64(0));
  }
  auto drop = conn.cached("DELETE FROM delta_log WHERE seq IN (" + chosen + ")");
  drop->bind(1, bound).bind(2, count);
  drop->run();
  return static_cast<std::size_t>(conn.changes());
}

}  // namespace

std::vector<LogEntry> Store::deltas_since(std::uint64_t after, std::size_t limit) {
  auto rows = impl_->connection().cached(
      "SELECT seq, document, type, origin, created_ms, delta FROM delta_log "
      "WHERE seq > ?1 ORDER BY seq LIMIT ?2");
  rows->bind(1, after).bind(2, static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX)));
  std::vector<LogEntry> out;
  while (rows->step()) {
    out.push_back(LogEntry{rows->uint64(0), rows->text(1), rows->text(2), rows->blob(5),
                           ReplicaId(rows->uint64(3)), rows->uint64(4)});
  }
  return out;
}

LogSpan Store::log_span(std::uint64_t after) {
  auto row = impl_->connection().cached(
      "SELECT count(*), coalesce(sum(length(delta)), 0) FROM delta_log WHERE seq > ?1");
  row->bind(1, after);
  LogSpan out;
  if (row->step()) {
    out.entries = row->uint64(0);
    out.bytes = row->uint64(1);
  }
  return out;
}

LogBounds Store::log_bounds() {
  Impl& impl = *impl_;
  auto& conn = impl.connection();
  LogBounds out;
  ReadScope scope(impl);
  {
    auto row =
        conn.cached("SELECT coalesce(max(seq), 0) FROM sqlite_sequence WHERE name = 'delta_log'");
    if (row->step()) out.last_seq = row->uint64(0);
  }
  out.truncated_through =
      static_cast<std::uint64_t>(schema::get_int(conn, "truncated_through").value_or(0));
  scope.commit();
  return out;
}

void Store::acknowledge(ReplicaId peer, std::uint64_t seq) {
  const Acknowledgement one{peer, seq};
  acknowledge(std::span<const Acknowledgement>(&one, 1), SIZE_MAX);
}

std::size_t Store::acknowledge(std::span<const Acknowledgement> acks, std::size_t max_dropped) {
  Impl& impl = *impl_;
  impl.require_writable();
  if (acks.empty()) return 0;
  {
    WriteScope scope(impl);
    auto upsert = impl.connection().cached(
        "INSERT INTO peers(replica, acknowledged, last_contact_ms) VALUES (?1, ?2, ?3) "
        "ON CONFLICT(replica) DO UPDATE SET "
        "acknowledged = max(acknowledged, excluded.acknowledged), "
        "last_contact_ms = excluded.last_contact_ms");
    const std::uint64_t now = impl.now_ms();
    for (const Acknowledgement& ack : acks) {
      upsert->reset();
      upsert->bind(1, ack.peer.value()).bind(2, ack.seq).bind(3, now);
      upsert->run();
    }
    scope.commit();
  }
  return impl.options.truncate_on_acknowledge ? truncate_log(max_dropped) : 0;
}

std::vector<PeerInfo> Store::peers() {
  auto rows = impl_->connection().cached(
      "SELECT replica, acknowledged, last_contact_ms FROM peers ORDER BY replica");
  std::vector<PeerInfo> out;
  while (rows->step()) {
    out.push_back(PeerInfo{ReplicaId(rows->uint64(0)), rows->uint64(1), rows->uint64(2)});
  }
  std::sort(out.begin(), out.end(),
            [](const PeerInfo& a, const PeerInfo& b) { return a.id < b.id; });
  return out;
}

void Store::forget_peer(ReplicaId peer) {
  Impl& impl = *impl_;
  impl.require_writable();
  WriteScope scope(impl);
  auto drop = impl.connection().cached("DELETE FROM peers WHERE replica = ?1");
  drop->bind(1, peer.value());
  drop->run();
  scope.commit();
}

std::size_t Store::truncate_log(std::size_t max_entries) {
  Impl& impl = *impl_;
  impl.require_writable();
  WriteScope scope(impl);
  auto& conn = impl.connection();
  std::uint64_t through =
      static_cast<std::uint64_t>(schema::get_int(conn, "truncated_through").value_or(0));
  const std::uint64_t before = through;
  std::size_t dropped = 0;

  // While no peer is known nobody has acknowledged anything; only the retention bounds apply.
  std::optional<std::uint64_t> acknowledged;
  {
    auto row = conn.cached("SELECT count(*), min(acknowledged) FROM peers");
    if (row->step() && row->int64(0) > 0) acknowledged = row->uint64(1);
  }
  const std::string not_pending(kNotPending);
  if (acknowledged) {
    dropped += drop_entries(conn, "seq <= ?1 AND " + not_pending,
                            static_cast<std::int64_t>(*acknowledged), through, max_entries);
  }
  if (impl.options.log_max_age.count() > 0) {
    const auto age = static_cast<std::uint64_t>(impl.options.log_max_age.count());
    const std::uint64_t now = impl.now_ms();
    if (now > age) {
      dropped += drop_entries(conn, "created_ms < ?1 AND " + not_pending,
                              static_cast<std::int64_t>(now - age), through, max_entries - dropped);
    }
  }
  if (impl.options.log_max_bytes > 0 && dropped < max_entries) {
    std::uint64_t total = 0;
    {
      auto row = conn.cached("SELECT coalesce(sum(length(delta)), 0) FROM delta_log");
      if (row->step()) total = row->uint64(0);
    }
    // The oldest droppable entries go first, until the rest fits.
    std::optional<std::uint64_t> cutoff;
    if (total > impl.options.log_max_bytes) {
      auto rows = conn.cached("SELECT seq, length(delta) FROM delta_log WHERE " + not_pending +
                              " ORDER BY seq");
      while (total > impl.options.log_max_bytes && rows->step()) {
        cutoff = rows->uint64(0);
        total -= std::min(total, rows->uint64(1));
      }
    }
    if (cutoff) {
      dropped += drop_entries(conn, "seq <= ?1 AND " + not_pending,
                              static_cast<std::int64_t>(*cutoff), through, max_entries - dropped);
    }
  }
  if (through != before) schema::set(conn, "truncated_through", static_cast<std::int64_t>(through));
  scope.commit();
  return dropped;
}

std::size_t Store::compact_log() {
  Impl& impl = *impl_;
  impl.require_writable();
  WriteScope scope(impl);
  impl.refresh_identity();
  auto& conn = impl.connection();
  std::vector<std::pair<std::string, std::string>> groups;
  {
    auto rows = conn.cached(
        "SELECT document, type FROM delta_log GROUP BY document, type HAVING count(*) > 1");
    while (rows->step()) groups.emplace_back(rows->text(0), rows->text(1));
  }
  std::size_t dropped = 0;
  std::string error;
  for (const auto& [document, tag] : groups) {
    const DocumentType* type = impl.registry.find(tag);
    if (type == nullptr) continue;  // a type this build does not know stays as it is
    std::unique_ptr<AnyDocument> joined = type->create();
    std::uint64_t newest = 0;
    std::optional<ReplicaId> origin;
    bool mixed = false;
    {
      auto rows = conn.cached(
          "SELECT seq, origin, delta FROM delta_log WHERE document = ?1 AND type = ?2 "
          "ORDER BY seq");
      rows->bind(1, document).bind(2, tag);
      while (rows->step()) {
        if (!joined->merge_frame(rows->blob(2), impl.options.max_row_bytes, error)) {
          impl.corrupt("delta log entry " + std::to_string(rows->uint64(0)) + ": " + error);
        }
        newest = rows->uint64(0);
        const ReplicaId from(rows->uint64(1));
        if (origin && *origin != from) mixed = true;
        origin = from;
      }
    }
    {
      auto update = conn.cached("UPDATE delta_log SET origin = ?2, delta = ?3 WHERE seq = ?1");
      update->bind(1, newest)
          .bind(2, (mixed ? impl.replica : *origin).value())
          .bind_blob(3, joined->encode());
      update->run();
    }
    auto drop = conn.cached("DELETE FROM delta_log WHERE document = ?1 AND type = ?2 AND seq < ?3");
    drop->bind(1, document).bind(2, tag).bind(3, newest);
    drop->run();
    dropped += static_cast<std::size_t>(conn.changes());
  }
  scope.commit();
  return dropped;
}

std::uint64_t Store::add_hint(ReplicaId target, std::string_view doc, std::string_view type,
                              std::span<const std::uint8_t> delta) {
  Impl& impl = *impl_;
  impl.require_writable();
  WriteScope scope(impl);
  auto insert = impl.connection().cached(
      "INSERT INTO hints(target, document, type, created_ms, delta) VALUES (?1, ?2, ?3, ?4, ?5)");
  insert->bind(1, target.value())
      .bind(2, doc)
      .bind(3, type)
      .bind(4, impl.now_ms())
      .bind_blob(5, delta);
  insert->run();
  const auto id = static_cast<std::uint64_t>(impl.connection().last_insert_rowid());
  scope.commit();
  return id;
}

std::vector<Hint> Store::hints_for(ReplicaId target) {
  auto rows = impl_->connection().cached(
      "SELECT id, target, document, type, created_ms, delta FROM hints WHERE target = ?1 "
      "ORDER BY id");
  rows->bind(1, target.value());
  std::vector<Hint> out;
  while (rows->step()) {
    out.push_back(Hint{rows->uint64(0), ReplicaId(rows->uint64(1)), rows->text(2), rows->text(3),
                       rows->blob(5), rows->uint64(4)});
  }
  return out;
}

void Store::drop_hint(std::uint64_t id) {
  Impl& impl = *impl_;
  impl.require_writable();
  WriteScope scope(impl);
  auto drop = impl.connection().cached("DELETE FROM hints WHERE id = ?1");
  drop->bind(1, id);
  drop->run();
  scope.commit();
}

}  // namespace crdt::persist
