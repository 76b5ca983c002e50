// crdt-store-bench: the SQLite store's throughput, load time and size, each measured against a
// floor in the same run. Not a test: it asserts nothing and times everything. One JSON line per
// measurement, each figure the median of --runs.
//
// The floor writes the same rows the store writes (read from src/persist: a delta_log insert, a
// pending_deltas insert and a documents update per update of an existing document; a delta_log
// insert, a documents insert and a snapshots insert for a new one; the snapshot rewritten and the
// pending deltas dropped when the store's fold rule says so), with blobs of the same sizes, into a
// file whose schema the store itself created, through raw sqlite3 prepared statements, with the
// same pragmas and the same transaction pattern. It skips what only the store does: decoding,
// running the CRDT, encoding, the version and identity reads under BEGIN IMMEDIATE. time_ratio =
// store time / floor time (target < 1.5).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <random>
#include <stdexcept>
#include <stdlib.h>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <crdt/causal_counter.hpp>
#include <crdt/or_map.hpp>
#include <crdt/persist/shared_store.hpp>
#include <crdt/persist/store.hpp>
#include <crdt/pn_counter.hpp>
#include <crdt/serialization/all.hpp>
#include <crdt/serialization/text.hpp>
#include <crdt/text.hpp>

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using crdt::PNCounter;
using crdt::ReplicaId;
using crdt::Text;
using crdt::persist::Durability;
using crdt::persist::Options;
using crdt::persist::SharedStore;
using crdt::persist::Store;
using crdt::persist::Writer;
using Cart = crdt::ORMap<std::string, crdt::CausalCounter>;
using Bytes = std::vector<std::uint8_t>;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

struct Settings {
  int runs = 5;
  std::string dir;
  std::size_t updates = 2000;
  std::size_t batched = 20000;
  int threads = 4;
  std::size_t text_bytes = 1 << 20;
  std::size_t text_inserts = 2000;
  std::size_t documents = 100000;
  std::size_t carts = 10000;
  std::string only;
};

// A fresh directory per measurement under --dir, removed afterwards.
class Scratch {
 public:
  explicit Scratch(const std::string& parent) {
    std::string pattern = (fs::path(parent) / "crdt-store-bench-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp in " + parent);
    path_ = pattern;
  }
  ~Scratch() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

Options store_options(Durability durability) {
  Options options;
  options.durability = durability;
  return options;
}

// --- The floor: raw sqlite3 --------------------------------------------------------------------

class Raw {
 public:
  Raw(const std::string& file, Durability durability) {
    if (sqlite3_open_v2(file.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) !=
        SQLITE_OK) {
      throw std::runtime_error("floor: cannot open " + file);
    }
    exec("PRAGMA journal_mode = WAL");
    exec(durability == Durability::full ? "PRAGMA synchronous = FULL"
                                        : "PRAGMA synchronous = NORMAL");
  }
  ~Raw() {
    for (auto& [sql, statement] : statements_) sqlite3_finalize(statement);
    sqlite3_close(db_);
  }
  Raw(const Raw&) = delete;
  Raw& operator=(const Raw&) = delete;

  void exec(const char* sql) {
    if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) fail(sql);
  }
  // Prepared once, reset after each use by done().
  sqlite3_stmt* statement(const char* sql) {
    auto it = statements_.find(sql);
    if (it != statements_.end()) return it->second;
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &statement, nullptr) !=
        SQLITE_OK) {
      fail(sql);
    }
    statements_.emplace(sql, statement);
    return statement;
  }
  void run(sqlite3_stmt* statement) {
    int rc = SQLITE_ROW;
    while (rc == SQLITE_ROW) rc = sqlite3_step(statement);
    if (rc != SQLITE_DONE) fail(sqlite3_sql(statement));
    sqlite3_reset(statement);
  }
  std::int64_t last_rowid() const { return sqlite3_last_insert_rowid(db_); }

 private:
  [[noreturn]] void fail(const char* what) const {
    throw std::runtime_error(std::string("floor: ") + what + ": " + sqlite3_errmsg(db_));
  }
  sqlite3* db_ = nullptr;
  std::unordered_map<const char*, sqlite3_stmt*> statements_;
};

void bind(sqlite3_stmt* s, int i, const std::string& text) {
  sqlite3_bind_text64(s, i, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}
void bind(sqlite3_stmt* s, int i, const Bytes& blob) {
  sqlite3_bind_blob64(s, i, blob.data(), blob.size(), SQLITE_TRANSIENT);
}
void bind(sqlite3_stmt* s, int i, std::int64_t value) { sqlite3_bind_int64(s, i, value); }

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// What one update writes: the sizes the store's rows would have.
struct Rows {
  std::string type;
  Bytes delta;
  Bytes context;
  Bytes snapshot;
};

// Writes the store's rows for a sequence of updates, folding as the store's default Options do.
class FloorWriter {
 public:
  FloorWriter(const std::string& file, Durability durability) : raw_(file, durability) {}

  void begin() { raw_.run(raw_.statement("BEGIN IMMEDIATE")); }
  void commit() { raw_.run(raw_.statement("COMMIT")); }

  void create(const std::string& doc, const Rows& rows) {
    append_log(doc, rows);
    auto* insert = raw_.statement(
        "INSERT INTO documents(id, type, version, pending_count, pending_bytes, removed, "
        "updated_ms, context) VALUES (?1, ?2, 1, 0, 0, 0, ?3, ?4)");
    bind(insert, 1, doc);
    bind(insert, 2, rows.type);
    bind(insert, 3, now_ms());
    bind(insert, 4, rows.context);
    raw_.run(insert);
    auto* snapshot = raw_.statement("INSERT INTO snapshots(id, snapshot) VALUES (?1, ?2)");
    bind(snapshot, 1, doc);
    bind(snapshot, 2, rows.snapshot);
    raw_.run(snapshot);
    pending_[doc] = Pending{};
  }

  void update(const std::string& doc, const Rows& rows) {
    const std::int64_t seq = append_log(doc, rows);
    auto* pending =
        raw_.statement("INSERT INTO pending_deltas(seq, document, delta) VALUES (?1, ?2, ?3)");
    bind(pending, 1, seq);
    bind(pending, 2, doc);
    bind(pending, 3, rows.delta);
    raw_.run(pending);
    auto* row = raw_.statement(
        "UPDATE documents SET version = version + 1, pending_count = pending_count + 1, "
        "pending_bytes = pending_bytes + ?2, removed = 0, updated_ms = ?3, context = ?4 "
        "WHERE id = ?1");
    bind(row, 1, doc);
    bind(row, 2, static_cast<std::int64_t>(rows.delta.size()));
    bind(row, 3, now_ms());
    bind(row, 4, rows.context);
    raw_.run(row);
    Pending& state = pending_[doc];
    ++state.count;
    state.bytes += rows.delta.size();
    if (folds_(state.count, state.bytes, rows.snapshot.size())) fold(doc, rows, state);
  }

  // The store's fold rule, so the floor rewrites snapshots exactly as often.
  std::function<bool(std::size_t, std::size_t, std::size_t)> folds_ =
      [](std::size_t count, std::size_t bytes, std::size_t snapshot_bytes) {
        return crdt::persist::fold_due(Options{}, count, bytes, snapshot_bytes);
      };

 private:
  struct Pending {
    std::size_t count = 0;
    std::size_t bytes = 0;
  };

  std::int64_t append_log(const std::string& doc, const Rows& rows) {
    auto* insert = raw_.statement(
        "INSERT INTO delta_log(document, type, origin, created_ms, delta) "
        "VALUES (?1, ?2, ?3, ?4, ?5)");
    bind(insert, 1, doc);
    bind(insert, 2, rows.type);
    bind(insert, 3, std::int64_t{0x1234567});
    bind(insert, 4, now_ms());
    bind(insert, 5, rows.delta);
    raw_.run(insert);
    return raw_.last_rowid();
  }

  void fold(const std::string& doc, const Rows& rows, Pending& state) {
    auto* snapshot = raw_.statement("UPDATE snapshots SET snapshot = ?2 WHERE id = ?1");
    bind(snapshot, 1, doc);
    bind(snapshot, 2, rows.snapshot);
    raw_.run(snapshot);
    auto* reset =
        raw_.statement("UPDATE documents SET pending_count = 0, pending_bytes = 0 WHERE id = ?1");
    bind(reset, 1, doc);
    raw_.run(reset);
    auto* drop = raw_.statement("DELETE FROM pending_deltas WHERE document = ?1");
    bind(drop, 1, doc);
    raw_.run(drop);
    state = Pending{};
  }

  Raw raw_;
  std::unordered_map<std::string, Pending> pending_;
};

// An empty store file: the floor writes into the schema the store created.
std::string empty_store(const Scratch& scratch, const std::string& name) {
  const std::string file = scratch.file(name);
  Store::open(file).close();
  return file;
}

template <class T>
Rows rows_of(const T& delta, const T& state) {
  return Rows{crdt::serialization::TypeTag<T>::name(), crdt::serialization::encode(delta),
              crdt::serialization::encode(state.context()), crdt::serialization::encode(state)};
}

nlohmann::json rate_line(const std::string& bench, double count, const std::vector<double>& store,
                         const std::vector<double>& floor) {
  const double s = median(store);
  const double f = median(floor);
  return nlohmann::json{{"bench", bench},
                        {"ops", count},
                        {"store_per_s", count / s},
                        {"floor_per_s", count / f},
                        {"time_ratio", s / f}};
}

PNCounter increment(PNCounter& counter, Writer& w) { return counter.increment(w.replica(), 1); }

// --- Measurements --------------------------------------------------------------------------------

// One PNCounter increment per transaction.
nlohmann::json single_updates(const Settings& settings, Durability durability, double* rate) {
  std::vector<double> store_s, floor_s;
  PNCounter sample;
  const ReplicaId replica = ReplicaId::random();
  sample.increment(replica, 1000);
  const Rows rows = rows_of(sample.increment(replica, 1), sample);
  for (int run = 0; run < settings.runs; ++run) {
    Scratch scratch(settings.dir);
    {
      Store store = Store::open(scratch.file("store.db"), store_options(durability));
      store.update<PNCounter>("likes", increment);
      const auto start = Clock::now();
      for (std::size_t i = 0; i < settings.updates; ++i)
        store.update<PNCounter>("likes", increment);
      store_s.push_back(seconds_since(start));
    }
    {
      FloorWriter floor(empty_store(scratch, "floor.db"), durability);
      floor.begin();
      floor.create("likes", rows);
      floor.commit();
      const auto start = Clock::now();
      for (std::size_t i = 0; i < settings.updates; ++i) {
        floor.begin();
        floor.update("likes", rows);
        floor.commit();
      }
      floor_s.push_back(seconds_since(start));
    }
  }
  auto line =
      rate_line(durability == Durability::full ? "single_update_full" : "single_update_normal",
                static_cast<double>(settings.updates), store_s, floor_s);
  if (rate != nullptr) *rate = line["store_per_s"].get<double>();
  return line;
}

std::string counter_id(std::size_t i) {
  char name[32];
  std::snprintf(name, sizeof name, "counter:%06zu", i);
  return name;
}

// 1,000 increments per batch() transaction, over 100 documents.
nlohmann::json batched_updates(const Settings& settings) {
  constexpr std::size_t kPerBatch = 1000;
  constexpr std::size_t kDocuments = 100;
  std::vector<double> store_s, floor_s;
  PNCounter sample;
  const ReplicaId replica = ReplicaId::random();
  sample.increment(replica, 1000);
  const Rows rows = rows_of(sample.increment(replica, 1), sample);
  const std::size_t batches = std::max<std::size_t>(1, settings.batched / kPerBatch);
  for (int run = 0; run < settings.runs; ++run) {
    Scratch scratch(settings.dir);
    {
      Store store = Store::open(scratch.file("store.db"));
      store.batch([&](auto& batch) {
        for (std::size_t d = 0; d < kDocuments; ++d)
          batch.template update<PNCounter>(counter_id(d), increment);
      });
      const auto start = Clock::now();
      for (std::size_t b = 0; b < batches; ++b) {
        store.batch([&](auto& batch) {
          for (std::size_t i = 0; i < kPerBatch; ++i) {
            batch.template update<PNCounter>(counter_id(i % kDocuments), increment);
          }
        });
      }
      store_s.push_back(seconds_since(start));
    }
    {
      FloorWriter floor(empty_store(scratch, "floor.db"), Durability::full);
      floor.begin();
      for (std::size_t d = 0; d < kDocuments; ++d) floor.create(counter_id(d), rows);
      floor.commit();
      const auto start = Clock::now();
      for (std::size_t b = 0; b < batches; ++b) {
        floor.begin();
        for (std::size_t i = 0; i < kPerBatch; ++i) floor.update(counter_id(i % kDocuments), rows);
        floor.commit();
      }
      floor_s.push_back(seconds_since(start));
    }
  }
  auto line = rate_line("batched_update_1000_per_txn", static_cast<double>(batches * kPerBatch),
                        store_s, floor_s);
  line["documents"] = kDocuments;
  return line;
}

// T threads, each incrementing its own counter through one SharedStore (synchronous=FULL). The
// floor writes the same rows single-threaded in transactions of the mean group size observed.
nlohmann::json group_commit(const Settings& settings, double single_rate) {
  std::vector<double> store_s, floor_s, groups;
  PNCounter sample;
  const ReplicaId replica = ReplicaId::random();
  sample.increment(replica, 1000);
  const Rows rows = rows_of(sample.increment(replica, 1), sample);
  const auto threads = static_cast<std::size_t>(settings.threads);
  const std::size_t per_thread = settings.updates / threads;
  const std::size_t total = per_thread * threads;
  for (int run = 0; run < settings.runs; ++run) {
    Scratch scratch(settings.dir);
    double group = 1;
    {
      SharedStore shared = SharedStore::open(scratch.file("store.db"));
      for (std::size_t t = 0; t < threads; ++t) shared.update<PNCounter>(counter_id(t), increment);
      const auto before = shared.stats();
      std::vector<std::thread> running;
      const auto start = Clock::now();
      for (std::size_t t = 0; t < threads; ++t) {
        running.emplace_back([&, t] {
          for (std::size_t i = 0; i < per_thread; ++i)
            shared.update<PNCounter>(counter_id(t), increment);
        });
      }
      for (auto& thread : running) thread.join();
      store_s.push_back(seconds_since(start));
      const auto after = shared.stats();
      group = static_cast<double>(after.updates - before.updates) /
              static_cast<double>(after.transactions - before.transactions);
      groups.push_back(group);
    }
    {
      FloorWriter floor(empty_store(scratch, "floor.db"), Durability::full);
      floor.begin();
      for (std::size_t t = 0; t < threads; ++t) floor.create(counter_id(t), rows);
      floor.commit();
      const auto per_txn = static_cast<std::size_t>(std::max(1.0, group + 0.5));
      const auto start = Clock::now();
      for (std::size_t i = 0; i < total;) {
        floor.begin();
        for (std::size_t k = 0; k < per_txn && i < total; ++k, ++i) {
          floor.update(counter_id(i % threads), rows);
        }
        floor.commit();
      }
      floor_s.push_back(seconds_since(start));
    }
  }
  auto line = rate_line("group_commit_full", static_cast<double>(total), store_s, floor_s);
  line["threads"] = settings.threads;
  line["mean_group"] = median(groups);
  line["single_update_full_per_s"] = single_rate;
  line["speedup_vs_single"] = line["store_per_s"].get<double>() / single_rate;
  return line;
}

// Single-character inserts, one per transaction (synchronous=NORMAL, so the CPU cost of an update
// is not hidden behind fsync), typed at a cursor: into an empty document, then into one of
// --text-bytes built from 1 KiB inserts of random words at random places and folded.
nlohmann::json text_inserts(const Settings& settings) {
  const ReplicaId replica = ReplicaId::random();
  std::mt19937_64 random(42);
  Text big;
  // Random words, so the snapshot compresses about as much as prose does, not to nothing.
  std::uniform_int_distribution<int> letter(0, 26);
  std::string chunk(1024, ' ');
  while (big.size() < settings.text_bytes) {
    for (char& c : chunk) c = static_cast<char>(letter(random) == 26 ? ' ' : 'a' + letter(random));
    big.insert(replica, std::uniform_int_distribution<std::size_t>(0, big.size())(random), chunk);
  }
  const std::size_t cursor = big.size() / 2;
  struct Case {
    const char* name;
    const Text* initial;
    std::size_t cursor;
  };
  const Text empty;
  nlohmann::json line{{"bench", "text_single_char_insert_normal"}, {"ops", settings.text_inserts}};
  std::vector<double> per_case_rate;
  for (const Case& c : {Case{"empty", &empty, 0}, Case{"large", &big, cursor}}) {
    std::vector<double> store_s, floor_s;
    Text sample = *c.initial;
    const Rows rows = rows_of(sample.insert(replica, c.cursor, "a"), sample);
    for (int run = 0; run < settings.runs; ++run) {
      Scratch scratch(settings.dir);
      {
        Store store = Store::open(scratch.file("store.db"), store_options(Durability::normal));
        if (c.initial->size() > 0) {
          store.update<Text>("doc", [&](Text& text, Writer&) {
            text = *c.initial;
            return *c.initial;
          });
          store.fold_all();
        }
        const auto start = Clock::now();
        for (std::size_t i = 0; i < settings.text_inserts; ++i) {
          store.update<Text>("doc", [&](Text& text, Writer& w) {
            return text.insert(w.replica(), c.cursor + i, "a");
          });
        }
        store_s.push_back(seconds_since(start));
      }
      {
        FloorWriter floor(empty_store(scratch, "floor.db"), Durability::normal);
        floor.begin();
        floor.create("doc", rows);
        floor.commit();
        const auto start = Clock::now();
        for (std::size_t i = 0; i < settings.text_inserts; ++i) {
          floor.begin();
          floor.update("doc", rows);
          floor.commit();
        }
        floor_s.push_back(seconds_since(start));
      }
    }
    const auto sub =
        rate_line(c.name, static_cast<double>(settings.text_inserts), store_s, floor_s);
    per_case_rate.push_back(sub["store_per_s"].get<double>());
    nlohmann::json entry{{"document_bytes", c.initial->size()},
                         {"store_per_s", sub["store_per_s"]},
                         {"floor_per_s", sub["floor_per_s"]},
                         {"time_ratio", sub["time_ratio"]}};
    line[c.name] = entry;
  }
  line["large_vs_empty_time_ratio"] = per_case_rate[0] / per_case_rate[1];
  return line;
}

// Creates --documents counters (one increment each, 1,000 per batch), closes, then times opening
// the file, list() and read<PNCounter>() of every document (each a read transaction that checks
// the version row and decodes snapshot plus pending deltas; the cache is far smaller than the
// store). The floor: the same rows inserted; then opened, the documents' id/type/version/updated
// read in one query, and per document a read transaction fetching its snapshot and pending
// deltas without decoding them.
nlohmann::json load_documents(const Settings& settings) {
  constexpr std::size_t kPerBatch = 1000;
  std::vector<double> create_store, create_floor, load_store, load_floor;
  const ReplicaId replica = ReplicaId::random();
  PNCounter sample;
  const Rows rows = rows_of(sample.increment(replica, 1), sample);
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < settings.documents; ++i) ids.push_back(counter_id(i));
  std::int64_t sum = 0;
  for (int run = 0; run < settings.runs; ++run) {
    Scratch scratch(settings.dir);
    const std::string store_file = scratch.file("store.db");
    {
      Store store = Store::open(store_file);
      const auto start = Clock::now();
      for (std::size_t i = 0; i < ids.size(); i += kPerBatch) {
        store.batch([&](auto& batch) {
          for (std::size_t k = i; k < std::min(ids.size(), i + kPerBatch); ++k) {
            batch.template update<PNCounter>(ids[k], increment);
          }
        });
      }
      create_store.push_back(seconds_since(start));
    }
    {
      const auto start = Clock::now();
      Store store = Store::open(store_file);
      const auto listed = store.list();
      sum = 0;
      for (const auto& info : listed) sum += store.read<PNCounter>(info.id)->value();
      load_store.push_back(seconds_since(start));
    }
    const std::string floor_file = empty_store(scratch, "floor.db");
    {
      FloorWriter floor(floor_file, Durability::full);
      const auto start = Clock::now();
      for (std::size_t i = 0; i < ids.size(); i += kPerBatch) {
        floor.begin();
        for (std::size_t k = i; k < std::min(ids.size(), i + kPerBatch); ++k) {
          floor.create(ids[k], rows);
        }
        floor.commit();
      }
      create_floor.push_back(seconds_since(start));
    }
    {
      const auto start = Clock::now();
      Raw raw(floor_file, Durability::full);
      std::vector<std::string> listed;
      auto* list = raw.statement(
          "SELECT id, type, version, updated_ms FROM documents WHERE removed = 0 ORDER BY id");
      while (sqlite3_step(list) == SQLITE_ROW) {
        listed.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(list, 0)));
      }
      sqlite3_reset(list);
      std::size_t bytes = 0;
      auto* snapshot = raw.statement("SELECT snapshot FROM snapshots WHERE id = ?1");
      auto* pending =
          raw.statement("SELECT delta FROM pending_deltas WHERE document = ?1 ORDER BY seq");
      for (const auto& id : listed) {
        raw.run(raw.statement("BEGIN"));
        bind(snapshot, 1, id);
        while (sqlite3_step(snapshot) == SQLITE_ROW) {
          bytes += static_cast<std::size_t>(sqlite3_column_bytes(snapshot, 0));
        }
        sqlite3_reset(snapshot);
        bind(pending, 1, id);
        while (sqlite3_step(pending) == SQLITE_ROW) {
          bytes += static_cast<std::size_t>(sqlite3_column_bytes(pending, 0));
        }
        sqlite3_reset(pending);
        raw.run(raw.statement("COMMIT"));
      }
      load_floor.push_back(seconds_since(start));
      if (bytes == 0) throw std::runtime_error("floor: nothing read");
    }
  }
  if (sum != static_cast<std::int64_t>(settings.documents)) {
    throw std::runtime_error("load: documents lost");
  }
  const double cs = median(create_store), cf = median(create_floor);
  const double ls = median(load_store), lf = median(load_floor);
  return nlohmann::json{
      {"bench", "documents_create_and_load"},
      {"documents", settings.documents},
      {"create", {{"store_s", cs}, {"floor_s", cf}, {"time_ratio", cs / cf}}},
      {"load_open_list_read_all", {{"store_s", ls}, {"floor_s", lf}, {"time_ratio", ls / lf}}}};
}

// --carts carts of 10 items, each item added by its own update, folded; bytes of the file after
// the store closed (which checkpoints the WAL into it), with the delta log kept (no peer has
// acknowledged) and after the log is truncated and the file vacuumed. The floor is the payload:
// snapshot and context blobs per document.
nlohmann::json cart_bytes(const Settings& settings) {
  constexpr std::size_t kItems = 10;
  constexpr std::size_t kPerBatch = 1000;
  Scratch scratch(settings.dir);
  const std::string file = scratch.file("carts.db");
  std::size_t payload = 0;
  {
    Store store = Store::open(file);
    for (std::size_t i = 0; i < settings.carts; i += kPerBatch) {
      store.batch([&](auto& batch) {
        for (std::size_t k = i; k < std::min(settings.carts, i + kPerBatch); ++k) {
          for (std::size_t item = 0; item < kItems; ++item) {
            batch.template update<Cart>("cart:" + std::to_string(k), [&](Cart& cart, Writer& w) {
              return cart.update(
                  w.replica(), "item-" + std::to_string(item),
                  [&](crdt::CausalCounter& c) { return c.increment(w.replica(), 2); });
            });
          }
        }
      });
    }
    store.fold_all();
    const auto cart = store.read<Cart>("cart:0");
    payload = crdt::serialization::encode(*cart).size() +
              crdt::serialization::encode(cart->context()).size();
  }
  const auto with_log = fs::file_size(file);
  {
    Store store = Store::open(file);
    store.replication().acknowledge(ReplicaId::random(), store.status().last_seq);
  }
  sqlite3* db = nullptr;
  sqlite3_open(file.c_str(), &db);
  sqlite3_exec(db, "VACUUM", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  const auto without_log = fs::file_size(file);
  const auto per = [&](std::uintmax_t bytes) {
    return static_cast<double>(bytes) / static_cast<double>(settings.carts);
  };
  return nlohmann::json{{"bench", "cart_10_items_bytes_per_document"},
                        {"documents", settings.carts},
                        {"with_delta_log", per(with_log)},
                        {"log_truncated_vacuumed", per(without_log)},
                        {"payload_floor", payload},
                        {"ratio_to_payload", per(without_log) / static_cast<double>(payload)}};
}

}  // namespace

int main(int argc, char** argv) {
  Settings settings;
  settings.dir = fs::temp_directory_path().string();
  CLI::App app{"crdt-store-bench: the SQLite store against raw SQLite, one JSON line each"};
  app.add_option("--runs", settings.runs, "runs; each figure is the median")
      ->check(CLI::Range(1, 1000));
  app.add_option("--dir", settings.dir, "directory for the files (the disk measured)")
      ->check(CLI::ExistingDirectory);
  app.add_option("--updates", settings.updates, "single updates per run (and group commit)");
  app.add_option("--batched", settings.batched, "batched updates per run");
  app.add_option("--threads", settings.threads, "group-commit threads")->check(CLI::Range(1, 256));
  app.add_option("--text-bytes", settings.text_bytes, "size of the large text document");
  app.add_option("--text-inserts", settings.text_inserts, "single-character inserts per run");
  app.add_option("--documents", settings.documents, "documents for the load time");
  app.add_option("--carts", settings.carts, "carts for the bytes per document");
  app.add_option("--only", settings.only,
                 "one of single, batched, group, text, load, carts (default: all)");
  CLI11_PARSE(app, argc, argv);
  const auto wanted = [&](const char* name) {
    return settings.only.empty() || settings.only == name;
  };
  try {
    double single_full = 0;
    if (wanted("single") || wanted("group")) {
      std::cout << single_updates(settings, Durability::full, &single_full) << std::endl;
    }
    if (wanted("single"))
      std::cout << single_updates(settings, Durability::normal, nullptr) << std::endl;
    if (wanted("batched")) std::cout << batched_updates(settings) << std::endl;
    if (wanted("group")) std::cout << group_commit(settings, single_full) << std::endl;
    if (wanted("text")) std::cout << text_inserts(settings) << std::endl;
    if (wanted("load")) std::cout << load_documents(settings) << std::endl;
    if (wanted("carts")) std::cout << cart_bytes(settings) << std::endl;
  } catch (const std::exception& error) {
    std::cerr << "crdt-store-bench: " << error.what() << '\n';
    return 1;
  }
  return 0;
}
