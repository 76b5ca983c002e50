// Store: CRDT documents in one SQLite file, with the delta log, peers and hints a sync engine
// needs. An app calls the members below (update, read, batch, remove, list); a replication engine
// reaches the rest through replication() (replication.hpp).
//
// Guarantees:
// - Durable on return: when a write call returns, its transaction is committed (WAL mode,
//   synchronous=FULL by default; see Options for NORMAL and its trade-off). A failed call leaves
//   the file as it was and throws Error.
// - One update is one BEGIN IMMEDIATE transaction: the document's version row is read first, and
//   a document another Store (another process, or another Store object here) changed since this
//   one cached it is reloaded before the mutator runs, so nobody is overwritten from a stale cache.
// - An update costs O(its delta): it appends the delta to the document's pending deltas and to the
//   delta log; the snapshot is rewritten only when the pending deltas pass the fold thresholds.
//   Recently used documents stay decoded in a bounded LRU cache.
// - Identity is sacred (DESIGN.md): a new file gets a random replica id; a file that was copied or
//   restored (its device and inode differ from those stored at creation), or that was last used in
//   Durability::normal and not closed cleanly, takes a new replica id (a new incarnation) when it
//   is opened for writing, before anything else is written. The hybrid logical clock's last stamp
//   is persisted, so LWW stamps never go back in time across restarts.
// - A document has one type; using it as another type throws Error(wrong_type). States of other
//   types that arrive for the same id are kept as visible conflicts (conflicts()), never merged
//   into the document; the document is the state of the smallest type tag, so every replica
//   holding the same states presents the same one.
// - Errors: every failure is a crdt::persist::Error with a code, the file and SQLite's message: a
//   file that is not a database (not_a_database), written by a newer schema (newer_schema), a
//   corrupt file or row (storage_corrupt), a full disk (storage_full), a read-only file or store
//   (read_only), a lock held past the busy timeout (storage_busy).
// Thread safety: none. One Store is used by one thread at a time; several Stores (in one process
// or several) may share a file. A mutator must not call back into its Store. For many threads,
// SharedStore (shared_store.hpp) wraps one Store and commits concurrent updates in groups.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "crdt/causal/replica_id.hpp"
#include "crdt/causal/version_vector.hpp"
#include "crdt/persist/document_type.hpp"
#include "crdt/persist/error.hpp"
#include "crdt/persist/limits.hpp"
#include "crdt/persist/options.hpp"
#include "crdt/persist/records.hpp"
#include "crdt/persist/replication.hpp"
#include "crdt/persist/writer.hpp"

namespace crdt::persist {

class Batch;
class SharedStore;

namespace detail {
template <class R>
struct IsOptional : std::false_type {};
template <class T>
struct IsOptional<std::optional<T>> : std::true_type {};
}  // namespace detail

class Store : private Replication {
 public:
  // Opens `file`, creating it (and its schema) on first use unless options.create is false.
  static Store open(const std::string& file, Options options = {});

  Store(Store&&) noexcept;
  Store& operator=(Store&&) noexcept;
  // Closes cleanly (see close()); errors are swallowed.
  ~Store();

  // Marks a clean shutdown and releases the file. Later calls throw. Called by the destructor.
  void close();

  ReplicaId replica() const override;
  std::uint64_t incarnation() const;
  const std::string& label() const;
  const std::string& file() const;

  // --- Typed access ----------------------------------------------------------------------------

  // Applies `f(T& state, Writer& w)` to document `doc` (bottom if it does not exist, which creates
  // it) in one transaction and returns what f returned: the delta of type T, or std::optional<T>
  // where nullopt means refused. A bottom delta or nullopt writes nothing. If f throws, nothing is
  // written and the exception propagates. Throws Error(wrong_type) if `doc` has another type, and
  // Error(invalid_argument) when creating a document whose id is longer than kMaxDocumentIdBytes.
  template <class T, class F>
  auto update(std::string_view doc, F&& f);

  // The document's state, nullopt if it does not exist or was removed. Throws Error(wrong_type).
  template <class T>
  std::optional<T> read(std::string_view doc);

  // Runs `f(Batch&)`; every update made through the Batch is one transaction, committed when f
  // returns and rolled back if it throws.
  template <class F>
  void batch(F&& f);

  // --- Documents -------------------------------------------------------------------------------

  // The document's description; nullopt if it does not exist, or was removed unless with_removed.
  std::optional<DocumentInfo> info(std::string_view doc, bool with_removed = false);
  // The documents whose id starts with `prefix`, ordered by id; removed ones are left out.
  std::vector<DocumentInfo> list(std::string_view prefix = {});

  // Removes `doc` as observed here. For types that can cancel what they observed (see
  // document_type.hpp) the removal is a real delta, appended to the log like any update: updates
  // the remover had not seen survive, and a later merge of old content does not bring it back.
  // For PNCounter, BoundedCounter and LWWRegister the observed state is kept as a baseline
  // (removed_baseline): the document continues from it, so no event is issued twice, and a
  // reader that wants the value "since the removal" subtracts the baseline's.
  // Either way the removal leaves a removal record (records.hpp): the state it left and every
  // event it observed, appended to the log so that peers join it. A document is removed exactly
  // when its record observed every event its state knows; something the record had not observed
  // (a concurrent update, a later write) shows it again. That is a function of the replicated
  // states alone, so every replica holding the same states agrees whether it exists.
  // Returns false if there was nothing to remove.
  bool remove(std::string_view doc);

  // The state the removals of `doc` left (joined), nullopt if it was never removed: for the
  // types that keep a baseline, the state they observed. Throws Error(wrong_type).
  template <class T>
  std::optional<T> removed_baseline(std::string_view doc);

  // Folds every document's pending deltas into its snapshot.
  void fold_all();

  // --- Types -----------------------------------------------------------------------------------

  // The types replication().merge_remote knows: every concrete type of the library, plus those
  // registered here.
  void register_type(const DocumentType& type);
  template <class T>
  void register_type() {
    register_type(document_type<T>());
  }
  std::vector<std::string> registered_types() const;
  // The registered type named `tag`, or nullptr.
  const DocumentType* find_type(std::string_view tag) const override;

  // The document's causal context; empty if it does not exist.
  VersionVector context(std::string_view doc) override;

  // States of other types kept beside documents (records.hpp), ordered by id and type; or those
  // of one document. The document of an id is always its state of the smallest type tag (byte
  // order), whichever arrived first, so replicas holding the same states show the same one.
  std::vector<ConflictInfo> conflicts() override;
  std::vector<ConflictInfo> conflicts(std::string_view doc);

  // --- Replication ---------------------------------------------------------------------------

  // What the sync engine (and the quorum mode) use to replicate this store: replication.hpp.
  Replication& replication() { return *this; }

  // --- Inspection ------------------------------------------------------------------------------

  Status status() override;
  // SQLite's PRAGMA integrity_check: "ok" or the problems found.
  std::string integrity_check();

  // The implementation, opaque outside src/persist/.
  struct Impl;

 private:
  friend class Batch;
  friend class SharedStore;

  // --- Replication (replication.hpp), reached through replication() ---
  MergeResult merge_remote(std::string_view doc, std::string_view type,
                           std::span<const std::uint8_t> delta, ReplicaId origin) override;
  std::vector<DocumentInfo> list_with_removed(std::string_view prefix = {}) override;
  std::unique_ptr<AnyDocument> read_any(std::string_view doc) override;
  std::optional<std::vector<std::uint8_t>> delta_since(std::string_view doc,
                                                       const VersionVector& known) override;
  std::optional<std::vector<std::uint8_t>> encoded(std::string_view doc) override;
  std::optional<std::vector<std::uint8_t>> conflict_state(std::string_view doc,
                                                          std::string_view type) override;
  std::optional<RemovalRecord> removal_record(std::string_view doc) override;
  std::vector<LogEntry> deltas_since(std::uint64_t after, std::size_t limit = 1000) override;
  LogSpan log_span(std::uint64_t after) override;
  LogBounds log_bounds() override;
  void acknowledge(ReplicaId peer, std::uint64_t seq) override;
  std::size_t acknowledge(std::span<const Acknowledgement> acks, std::size_t max_dropped) override;
  std::vector<PeerInfo> peers() override;
  void forget_peer(ReplicaId peer) override;
  std::size_t truncate_log(std::size_t max_entries = SIZE_MAX) override;
  std::size_t compact_log() override;
  std::uint64_t add_hint(ReplicaId target, std::string_view doc, std::string_view type,
                         std::span<const std::uint8_t> delta) override;
  std::vector<Hint> hints_for(ReplicaId target) override;
  void drop_hint(std::uint64_t id) override;

  explicit Store(std::unique_ptr<Impl> impl);

  // Runs `mutate` on the document's state inside the write transaction; it returns the delta's
  // frame, or nullopt to write nothing.
  using Mutator = std::function<std::optional<std::vector<std::uint8_t>>(AnyDocument&, Writer&)>;
  void update_erased(std::string_view doc, const DocumentType& type, const Mutator& mutate);
  // Runs several mutators on one document, in order, and records their deltas joined as one
  // (one log entry, one row update). False, with nothing recorded and the cached state dropped,
  // when a mutator threw: the caller then rolls back and runs them one by one.
  bool update_run(std::string_view doc, const DocumentType& type,
                  const std::vector<const Mutator*>& mutators);
  // The Mutator of a typed update: runs f, keeps its return value in `result`, encodes the delta.
  template <class T, class F, class Result>
  static Mutator typed_mutator(F& f, Result& result);
  // Calls `visit` with the document's current state; false (no call) if absent or removed.
  bool read_erased(std::string_view doc, const DocumentType& type,
                   const std::function<void(const AnyDocument&)>& visit);
  std::optional<std::vector<std::uint8_t>> baseline_frame(std::string_view doc,
                                                          const DocumentType& type);
  void begin_batch();
  void commit_batch();
  void abort_batch() noexcept;

  // For SharedStore's groups, inside an open batch. Both undo their own failure (a savepoint when
  // `isolate`, the clock's stored stamp) so the rest of the group stands.
  enum class GroupStep { written, failed, transaction_lost };
  // One update; `error` gets its failure. transaction_lost: SQLite abandoned the whole
  // transaction (a disk or memory error), and the batch was aborted.
  GroupStep update_in_group(std::string_view doc, const DocumentType& type, const Mutator& mutate,
                            bool isolate, std::exception_ptr& error);
  // Several updates of one document joined as one delta; failed: one of them threw and nothing of
  // the run stayed (the caller writes them one by one).
  GroupStep update_run_in_group(std::string_view doc, const DocumentType& type,
                                const std::vector<const Mutator*>& mutators);

  template <class T>
  static T& state_of(AnyDocument& document) {
    auto* typed = dynamic_cast<DocumentOf<T>*>(&document);
    if (typed == nullptr) throw_wrong_type(document_type<T>());
    return typed->value();
  }
  template <class T>
  static const T& state_of(const AnyDocument& document) {
    const auto* typed = dynamic_cast<const DocumentOf<T>*>(&document);
    if (typed == nullptr) throw_wrong_type(document_type<T>());
    return typed->value();
  }
  [[noreturn]] static void throw_wrong_type(const DocumentType& expected);
  MergeResult merge_removal(std::string_view doc, std::string_view tag,
                            std::span<const std::uint8_t> baseline, ReplicaId origin);

  std::unique_ptr<Impl> impl_;
};

// The handle a batch's function receives: updates through it share one transaction.
class Batch {
 public:
  template <class T, class F>
  auto update(std::string_view doc, F&& f) {
    return store_.update<T>(doc, std::forward<F>(f));
  }
  // As Store::merge_remote, inside the batch's transaction. A delta that does not decode throws
  // and fails the whole batch, like any failed update in it.
  MergeResult merge_remote(std::string_view doc, std::string_view type,
                           std::span<const std::uint8_t> delta, ReplicaId origin) {
    return store_.merge_remote(doc, type, delta, origin);
  }

 private:
  friend class Store;
  explicit Batch(Store& store) : store_(store) {}
  Store& store_;
};

template <class T, class F, class Result>
Store::Mutator Store::typed_mutator(F& f, Result& result) {
  static_assert(std::is_same_v<Result, T> || std::is_same_v<Result, std::optional<T>>,
                "the mutator returns the delta (T) or std::optional<T>");
  return [&f, &result](AnyDocument& document,
                       Writer& writer) -> std::optional<std::vector<std::uint8_t>> {
    result = std::invoke(f, state_of<T>(document), writer);
    const T* delta = nullptr;
    if constexpr (detail::IsOptional<Result>::value) {
      if (result) delta = &*result;
    } else {
      delta = &result;
    }
    if (delta == nullptr || delta->empty()) return std::nullopt;
    return serialization::encode(*delta);
  };
}

template <class T, class F>
auto Store::update(std::string_view doc, F&& f) {
  std::invoke_result_t<F&, T&, Writer&> result{};
  update_erased(doc, document_type<T>(), typed_mutator<T>(f, result));
  return result;
}

template <class T>
std::optional<T> Store::read(std::string_view doc) {
  std::optional<T> out;
  read_erased(doc, document_type<T>(),
              [&](const AnyDocument& document) { out.emplace(state_of<T>(document)); });
  return out;
}

template <class F>
void Store::batch(F&& f) {
  begin_batch();
  try {
    Batch batch(*this);
    std::invoke(f, batch);
  } catch (...) {
    abort_batch();
    throw;
  }
  commit_batch();
}

template <class T>
std::optional<T> Store::removed_baseline(std::string_view doc) {
  auto frame = baseline_frame(doc, document_type<T>());
  if (!frame) return std::nullopt;
  auto value = serialization::decode<T>(*frame, SIZE_MAX);
  if (!value) throw Error(ErrorCode::storage_corrupt, file(), std::string(value.message()));
  return std::move(value).value();
}

}  // namespace crdt::persist
