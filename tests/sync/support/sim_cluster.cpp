#include "sim_cluster.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "crdt/bounded_counter.hpp"
#include "crdt/causal_counter.hpp"
#include "crdt/lww_register.hpp"
#include "crdt/mv_register.hpp"
#include "crdt/or_map.hpp"
#include "crdt/or_set.hpp"
#include "crdt/persist/shared_store.hpp"
#include "crdt/pn_counter.hpp"
#include "crdt/serialization/all.hpp"
#include "crdt/serialization/text.hpp"
#include "crdt/text.hpp"
#include "sim_network.hpp"
#include "support/temp_dir.hpp"
#include "sync_engine.hpp"

namespace crdt::sync::test {

namespace {

using Cart = ORMap<std::string, CausalCounter>;
constexpr std::uint16_t kPort = 7000;

enum class Topology { star, chain, mesh };

const char* name_of(Topology topology) {
  switch (topology) {
    case Topology::star:
      return "star";
    case Topology::chain:
      return "chain";
    case Topology::mesh:
      return "mesh";
  }
  return "?";
}

// A write that returned: its events must be in its document's context everywhere at the end.
struct Expectation {
  std::string doc;
  std::string type;
  VersionVector context;
};

// What the acknowledged writes say a document must read once every replica has them all,
// whatever order they arrived in. Where a removal or a reset may have cancelled some of them
// without the model knowing which, it keeps bounds instead of exact values.
struct Model {
  struct Set {
    std::set<std::string> added;
    std::set<std::string> maybe_removed;  // an element remove, or a removal of the document
  };
  struct Cart {
    std::map<std::string, std::int64_t> increments;
    std::set<std::string> maybe_removed;
    bool cleared = false;  // the document was removed
  };
  struct Causal {
    std::int64_t increments = 0;
    bool cancelled = false;  // a reset or a removal
  };
  struct Register {
    std::set<std::string> written;
    bool cleared = false;
  };
  struct TextModel {
    // Per code point: how many were inserted, and how many erases hit one (concurrent erases
    // of one character count twice, so inserted - erased is a lower bound).
    std::map<std::string, std::int64_t> inserted;
    std::map<std::string, std::int64_t> erased;
  };
  using Write = LWWRegister<std::string>::Write;

  std::map<std::string, std::int64_t> pn;       // increments minus decrements
  std::map<std::string, std::int64_t> bounded;  // increments minus decrements that were funded
  std::map<std::string, Causal> causal;
  std::map<std::string, Set> sets;
  std::map<std::string, Cart> carts;
  std::map<std::string, Write> lww;  // the greatest write: (stamp, writer, counter)
  std::map<std::string, Register> mv;
  std::map<std::string, TextModel> texts;

  void write_lww(const std::string& doc, const Write& write) {
    auto key = [](const Write& w) { return std::tuple(w.stamp, w.dot.replica, w.dot.counter); };
    auto it = lww.find(doc);
    if (it == lww.end() || key(it->second) < key(write)) lww[doc] = write;
  }
};

// UTF-8 text split into code points (the unit of Text positions).
std::vector<std::string> code_points(const std::string& text) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const std::size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    out.push_back(text.substr(i, length));
    i += length;
  }
  return out;
}

template <class T>
const T* typed(const DocumentState& state) {
  const auto* document = dynamic_cast<const persist::DocumentOf<T>*>(state.get());
  return document != nullptr ? &document->value() : nullptr;
}

template <class T>
std::string tag_of() {
  return std::string(serialization::TypeTag<T>::name());
}

// (id, type) -> state, of documents and conflict states.
using States = std::map<std::pair<std::string, std::string>, DocumentState>;

// The state of (doc, T) among `held`, or nullptr after saying in `why` that it is missing.
template <class T>
const T* find_state(const States& held, const std::string& doc, std::ostringstream& why) {
  auto it = held.find({doc, tag_of<T>()});
  const T* value = it == held.end() ? nullptr : typed<T>(it->second);
  if (value == nullptr) why << " " << doc << " (" << tag_of<T>() << ") is missing;";
  return value;
}

// What a user of one replica reads through the Store's app face.
struct UserView {
  std::vector<std::string> listed;            // list(): "id (type)"
  std::map<std::string, std::string> info;    // per id: info()'s type, or "absent"
  std::map<std::string, DocumentState> read;  // per id: read_any(), null when absent
  std::vector<std::string> conflicts;         // conflicts(): "id (type)"
};

// Each node's store keeps its delta log within these bounds (a third of the schedules).
struct LogPolicy {
  std::size_t fold_max_deltas = 64;
  std::uint64_t log_max_bytes = 0;
  std::uint64_t log_max_age_ms = 0;
  bool truncate_on_acknowledge = true;
};

struct SimNode {
  std::string name;
  SimHost* host = nullptr;
  std::string file;
  int generation = 0;
  std::vector<Address> peers;
  std::unique_ptr<persist::SharedStore> store;
  std::unique_ptr<SyncEngine> engine;
  std::uint64_t restart_at = 0;  // while down
  LogPolicy log_policy;
  // Deltas messages parsed by a later loop task (as a node's decoder thread does), so that
  // what a peer sends meanwhile waits behind them: half the nodes.
  bool deferred_parse = false;
  bool up() const { return engine != nullptr; }
};

class Cluster {
 public:
  Cluster(std::uint64_t seed, const ScheduleSize& size, bool trace)
      : seed_(seed),
        size_(size),
        random_(seed),
        log_random_(seed ^ 0x10610610610ULL),
        network_(seed ^ 0x5eed5eed5eedULL, SimFaults{}) {
    network_.trace(trace);
  }

  ScheduleResult run();

 private:
  std::uint64_t draw(std::uint64_t low, std::uint64_t high) {
    return std::uniform_int_distribution<std::uint64_t>(low, high)(random_);
  }
  bool chance(double p) { return std::bernoulli_distribution(p)(random_); }
  // The log policy draws from its own generator, so that the schedules of the seeds that keep
  // the default log replay as they did before the policy existed.
  std::uint64_t log_draw(std::uint64_t low, std::uint64_t high) {
    return std::uniform_int_distribution<std::uint64_t>(low, high)(log_random_);
  }
  bool log_chance(double p) { return std::bernoulli_distribution(p)(log_random_); }

  void start(SimNode& node);
  void crash(SimNode& node);
  void write(SimNode& node);
  void maintain_log(SimNode& node);
  // The non-empty delta an acknowledged write returned; nullopt if it was refused or empty.
  template <class T, class F>
  std::optional<T> update(SimNode& node, const std::string& doc, F&& f);
  void remove(SimNode& node, const std::string& doc);
  States states(SimNode& node);
  // Every replica holds the same states, and every acknowledged write's events.
  std::optional<std::string> check();
  // Every replica's states read as the model says.
  std::optional<std::string> check_model();
  std::optional<std::string> check_model(SimNode& node);
  // Every replica shows its user the same documents, types, values and conflicts.
  std::optional<std::string> check_user_views();
  UserView user_view(SimNode& node, const std::set<std::string>& ids);

  std::uint64_t seed_;
  ScheduleSize size_;
  std::mt19937_64 random_;
  std::mt19937_64 log_random_;
  crdt::test::TempDir dir_{"crdt-sim"};
  SimNetwork network_;
  Topology topology_ = Topology::star;
  std::vector<SimNode> nodes_;
  std::vector<Expectation> expectations_;
  Model model_;
  bool log_bounds_ = false;  // this schedule bounds the logs and compacts them
  std::uint64_t log_dropped_ = 0;
  std::uint64_t log_compacted_ = 0;
  std::uint64_t writes_ = 0;
  std::uint64_t refused_writes_ = 0;
  std::uint64_t crashes_ = 0;
  std::uint64_t partitions_ = 0;
};

void Cluster::start(SimNode& node) {
  persist::Options options;
  options.durability = persist::Durability::normal;
  options.label = node.name;
  options.time_source = [this] { return 1'700'000'000'000ULL + network_.now_ms(); };
  options.replica_source = [this] { return draw(1, (std::uint64_t{1} << 62)); };
  options.fold_max_deltas = node.log_policy.fold_max_deltas;
  options.log_max_bytes = node.log_policy.log_max_bytes;
  options.log_max_age = std::chrono::milliseconds(node.log_policy.log_max_age_ms);
  options.truncate_on_acknowledge = node.log_policy.truncate_on_acknowledge;
  node.store = std::make_unique<persist::SharedStore>(persist::Store::open(node.file, options));
  NodeOptions engine_options;
  engine_options.listen = {Address{node.name, kPort}};
  engine_options.peers = node.peers;
  engine_options.poll_interval = std::chrono::milliseconds(50);
  engine_options.ack_interval = std::chrono::milliseconds(20);
  engine_options.keepalive = std::chrono::milliseconds(100);
  engine_options.idle_timeout = std::chrono::milliseconds(600);
  engine_options.handshake_timeout = std::chrono::milliseconds(500);
  engine_options.reconnect_min = std::chrono::milliseconds(20);
  engine_options.reconnect_max = std::chrono::milliseconds(400);
  engine_options.seed = draw(1, ~std::uint64_t{0});
  engine_options.sync.batch_bytes = 512;  // small batches: more messages, more interleavings
  if (node.deferred_parse) engine_options.sync.offload_parse_bytes = 0;
  node.engine = std::make_unique<SyncEngine>(node.host->loop(), node.host->transport(), *node.store,
                                             std::move(engine_options), nullptr,
                                             node.deferred_parse ? &node.host->loop() : nullptr);
  node.engine->start();
}

void Cluster::crash(SimNode& node) {
  ++crashes_;
  node.host->crash();
  node.engine->halt();
  node.engine.reset();
  // Half the crashes come back from a copy of the file as it was (a restored backup, or a
  // device whose last writes never reached the disk): the copy takes a new replica id.
  if (chance(0.5)) {
    const std::string copy = dir_.file(node.name + "." + std::to_string(++node.generation));
    for (const char* suffix : {"", "-wal"}) {
      std::error_code ignored;
      std::filesystem::copy_file(node.file + suffix, copy + suffix, ignored);
    }
    node.store.reset();
    node.file = copy;
  } else {
    node.store.reset();
  }
  node.restart_at = network_.now_ms() + draw(50, 1500);
}

void Cluster::maintain_log(SimNode& node) {
  // What an operator (or the `crdt` command on the same file) may do under a running node.
  node.store->with_store([&](persist::Store& s) {
    log_dropped_ += s.replication().truncate_log();
    if (log_chance(0.5)) log_compacted_ += s.replication().compact_log();
  });
  node.engine->log_advanced();
}

template <class T, class F>
std::optional<T> Cluster::update(SimNode& node, const std::string& doc, F&& f) {
  std::optional<T> acknowledged;
  try {
    auto delta = node.store->update<T>(doc, std::forward<F>(f));
    ++writes_;
    const T* written = nullptr;
    if constexpr (std::is_same_v<decltype(delta), T>) {
      written = &delta;
    } else if (delta) {
      written = &*delta;
    }
    if (written != nullptr && !written->empty()) {
      expectations_.push_back(
          Expectation{doc, serialization::TypeTag<T>::name(), written->context()});
      acknowledged = *written;
    }
    node.engine->log_advanced();
  } catch (const persist::Error& error) {
    // A document that arrived with another type refuses this type's writes: not acknowledged.
    if (error.code() != persist::ErrorCode::wrong_type) throw;
    ++refused_writes_;
  }
  return acknowledged;
}

void Cluster::remove(SimNode& node, const std::string& doc) {
  node.store->with_store([&](persist::Store& s) {
    // What the removal cancels is what this replica observed: the model loosens to bounds there
    // (for documents that were written at all).
    if (auto set = model_.sets.find(doc); set != model_.sets.end()) {
      if (auto state = s.read<ORSet<std::string>>(doc)) {
        for (const auto& element : state->value()) set->second.maybe_removed.insert(element);
      }
    } else if (auto text = model_.texts.find(doc); text != model_.texts.end()) {
      if (auto state = s.read<Text>(doc)) {
        for (const auto& point : code_points(state->str())) ++text->second.erased[point];
      }
    } else if (auto cart = model_.carts.find(doc); cart != model_.carts.end()) {
      cart->second.cleared = true;
    } else if (auto causal = model_.causal.find(doc); causal != model_.causal.end()) {
      causal->second.cancelled = true;
    } else if (auto mv = model_.mv.find(doc); mv != model_.mv.end()) {
      mv->second.cleared = true;
    }
    // PN counters, bounded counters and LWW registers keep their state beside a baseline.
    s.remove(doc);
  });
  node.engine->log_advanced();
}

// The random draws happen inside the mutators, in the order they always did, so that a seed
// replays the schedule it always did; the mutators note what they did for the model.
void Cluster::write(SimNode& node) {
  const std::string n = std::to_string(draw(0, 1));
  const std::string element = "e" + std::to_string(draw(0, 5));
  switch (draw(0, 10)) {
    case 0: {
      const std::string doc = "set/" + n;
      bool added = false;
      if (update<ORSet<std::string>>(node, doc, [&](ORSet<std::string>& s, persist::Writer& w) {
            added = chance(0.7);
            return added ? s.add(w.replica(), element) : s.remove(w.replica(), element);
          })) {
        (added ? model_.sets[doc].added : model_.sets[doc].maybe_removed).insert(element);
      }
      break;
    }
    case 1: {
      const std::string doc = "pn/" + n;
      std::int64_t amount = 0;
      if (update<PNCounter>(node, doc, [&](PNCounter& c, persist::Writer& w) {
            if (chance(0.6)) {
              const std::uint64_t by = draw(1, 5);
              amount = static_cast<std::int64_t>(by);
              return c.increment(w.replica(), by);
            }
            amount = -1;
            return c.decrement(w.replica(), 1);
          })) {
        model_.pn[doc] += amount;
      }
      break;
    }
    case 2:
      if (auto delta = update<LWWRegister<std::string>>(
              node, "lww/0", [&](LWWRegister<std::string>& r, persist::Writer& w) {
                return r.set(w.replica(), w.clock(),
                             node.name + ":" + std::to_string(draw(0, 999)));
              })) {
        model_.write_lww("lww/0", *delta->winner());
      }
      break;
    case 3: {
      std::string value;
      if (update<MVRegister<std::string>>(node, "mv/0",
                                          [&](MVRegister<std::string>& r, persist::Writer& w) {
                                            value = node.name + ":" + std::to_string(draw(0, 999));
                                            return r.write(w.replica(), value);
                                          })) {
        model_.mv["mv/0"].written.insert(value);
      }
      break;
    }
    case 4: {
      std::int64_t amount = 0;  // 0: a reset
      if (update<CausalCounter>(node, "cc/0", [&](CausalCounter& c, persist::Writer& w) {
            if (chance(0.1)) return c.reset(w.replica());
            amount = static_cast<std::int64_t>(draw(1, 3));
            return c.increment(w.replica(), amount);
          })) {
        auto& model = model_.causal["cc/0"];
        model.increments += amount;
        if (amount == 0) model.cancelled = true;
      }
      break;
    }
    case 5: {
      std::int64_t amount = 0;
      if (update<BoundedCounter>(
              node, "bc/0",
              [&](BoundedCounter& c, persist::Writer& w) -> std::optional<BoundedCounter> {
                if (chance(0.5)) {
                  amount = -1;
                  return c.decrement(w.replica(), 1);
                }
                const std::uint64_t by = draw(1, 4);
                amount = static_cast<std::int64_t>(by);
                return c.increment(w.replica(), by);
              })) {
        model_.bounded["bc/0"] += amount;
      }
      break;
    }
    case 6: {
      const std::string doc = "cart/" + n;
      std::string item;
      bool removed = false;
      if (update<Cart>(node, doc, [&](Cart& cart, persist::Writer& w) {
            item = "item" + std::to_string(draw(0, 3));
            removed = chance(0.2);
            if (removed) return cart.remove(w.replica(), item);
            return cart.update(w.replica(), item, [&](CausalCounter& count) {
              return count.increment(w.replica(), 1);
            });
          })) {
        auto& model = model_.carts[doc];
        if (removed) {
          model.maybe_removed.insert(item);
        } else {
          ++model.increments[item];
        }
      }
      break;
    }
    case 7:
    case 8: {
      const std::string doc = "text/" + n;
      std::vector<std::string> inserted;
      std::vector<std::string> erased;
      if (update<Text>(node, doc, [&](Text& text, persist::Writer& w) {
            const std::size_t size = text.size();
            if (size > 0 && chance(0.3)) {
              const std::size_t pos = draw(0, size - 1);
              const std::size_t count = draw(1, std::min<std::size_t>(3, size - pos));
              const auto points = code_points(text.str());
              erased.assign(points.begin() + static_cast<std::ptrdiff_t>(pos),
                            points.begin() + static_cast<std::ptrdiff_t>(pos + count));
              return text.erase(w.replica(), pos, count);
            }
            static const char* kPieces[] = {"a", "bc", "\xc3\xa9", "\xe2\x82\xac", "xyz", " "};
            // The piece is drawn before the position: the order the recorded seeds were made
            // with (g++ evaluated the one call's arguments right to left).
            const char* piece = kPieces[draw(0, 5)];
            const std::size_t pos = draw(0, size);
            inserted = code_points(piece);
            return text.insert(w.replica(), pos, piece);
          })) {
        auto& model = model_.texts[doc];
        for (const auto& point : inserted) ++model.inserted[point];
        for (const auto& point : erased) ++model.erased[point];
      }
      break;
    }
    case 9:
      // The same id with two types on two replicas: kept as a visible conflict.
      if (node.name.back() % 2 == 0) {
        if (update<ORSet<std::string>>(node, "x/0", [&](ORSet<std::string>& s, persist::Writer& w) {
              return s.add(w.replica(), element);
            })) {
          model_.sets["x/0"].added.insert(element);
        }
      } else {
        if (update<PNCounter>(node, "x/0", [&](PNCounter& c, persist::Writer& w) {
              return c.increment(w.replica(), 1);
            })) {
          model_.pn["x/0"] += 1;
        }
      }
      break;
    default: {
      // Dotted types remove with a delta; counters and LWW registers with a removal record.
      static const char* kRemovable[] = {"set/0", "cart/0", "text/0", "cc/0",
                                         "mv/0",  "pn/0",   "lww/0",  "bc/0"};
      remove(node, kRemovable[draw(0, 7)]);
      break;
    }
  }
}

States Cluster::states(SimNode& node) {
  States out;
  node.store->with_store([&](persist::Store& s) {
    auto decoded = [&](const std::string& type, const Bytes& frame) -> DocumentState {
      std::string error;
      return DocumentState(s.find_type(type)->decode(frame, SIZE_MAX, error));
    };
    for (const auto& info : s.replication().list_with_removed()) {
      auto frame = s.replication().delta_since(info.id, VersionVector{});
      if (frame) out[{info.id, info.type}] = decoded(info.type, *frame);
    }
    for (const auto& conflict : s.conflicts()) {
      auto frame = s.replication().conflict_state(conflict.id, conflict.type);
      if (frame) out[{conflict.id, conflict.type}] = decoded(conflict.type, *frame);
    }
    for (const auto& info : s.replication().list_with_removed()) {
      if (auto record = s.replication().removal_record(info.id)) {
        out[{info.id, std::string(persist::kRemovalTypePrefix) + record->type}] =
            decoded(record->type, record->baseline);
      }
    }
  });
  return out;
}

std::optional<std::string> Cluster::check() {
  const auto reference = states(nodes_.front());
  for (std::size_t i = 1; i < nodes_.size(); ++i) {
    const auto other = states(nodes_[i]);
    std::ostringstream why;
    for (const auto& [key, state] : reference) {
      auto it = other.find(key);
      if (it == other.end()) {
        why << " missing " << key.first << " (" << key.second << ");";
      } else if (!state || !it->second || !state->same_state(*it->second)) {
        why << " " << key.first << " (" << key.second << ") differs";
        if (state && it->second) {
          why << (state->context() == it->second->context() ? " (same context)"
                                                            : " (other context)");
        }
        why << ";";
      }
    }
    for (const auto& [key, state] : other) {
      if (reference.count(key) == 0) why << " extra " << key.first << " (" << key.second << ");";
    }
    if (!why.str().empty()) {
      return nodes_[i].name + " differs from " + nodes_.front().name + ":" + why.str();
    }
  }
  // Every acknowledged write is present (the states are equal, so one node tells).
  for (const Expectation& expected : expectations_) {
    auto it = reference.find({expected.doc, expected.type});
    if (it == reference.end() || !it->second) {
      return "an acknowledged write to " + expected.doc + " (" + expected.type + ") is lost";
    }
    if (!expected.context.subset_of(it->second->context())) {
      return "an acknowledged write to " + expected.doc + " (" + expected.type +
             ") is missing its events";
    }
  }
  return std::nullopt;
}

std::optional<std::string> Cluster::check_model() {
  for (auto& node : nodes_) {
    if (auto failure = check_model(node)) return node.name + ": " + *failure;
  }
  return std::nullopt;
}

std::optional<std::string> Cluster::check_model(SimNode& node) {
  // Each state merged into a bottom one, as a replica holding just it reads it (a decoded delta
  // of a Text, for one, holds its inserts pending until merged).
  States held;
  for (const auto& [key, state] : states(node)) {
    if (!state) continue;
    std::unique_ptr<persist::AnyDocument> merged = state->type().create();
    std::string error;
    if (merged->merge_frame(state->encode(), SIZE_MAX, error)) held[key] = std::move(merged);
  }
  std::ostringstream why;
  for (const auto& [doc, total] : model_.pn) {
    const auto* counter = find_state<PNCounter>(held, doc, why);
    if (counter && counter->value() != total) {
      why << " " << doc << " (pncounter) reads " << counter->value()
          << ", its acknowledged writes add up to " << total << ";";
    }
  }
  for (const auto& [doc, total] : model_.bounded) {
    const auto* counter = find_state<BoundedCounter>(held, doc, why);
    if (counter && counter->value() != total) {
      why << " " << doc << " (bcounter) reads " << counter->value()
          << ", its acknowledged writes add up to " << total << ";";
    }
  }
  for (const auto& [doc, model] : model_.causal) {
    const auto* counter = find_state<CausalCounter>(held, doc, why);
    if (!counter) continue;
    if (model.cancelled ? (counter->value() < 0 || counter->value() > model.increments)
                        : counter->value() != model.increments) {
      why << " " << doc << " (ccounter) reads " << counter->value() << ", its increments add up to "
          << model.increments << (model.cancelled ? " (some reset or removed)" : "") << ";";
    }
  }
  for (const auto& [doc, model] : model_.sets) {
    const auto* set = find_state<ORSet<std::string>>(held, doc, why);
    if (!set) continue;
    for (const auto& element : model.added) {
      if (model.maybe_removed.count(element) == 0 && !set->contains(element)) {
        why << " " << doc << " lacks " << element << ", added and never removed;";
      }
    }
    for (const auto& element : set->value()) {
      if (model.added.count(element) == 0)
        why << " " << doc << " holds " << element << ", never added;";
    }
  }
  for (const auto& [doc, model] : model_.carts) {
    const auto* cart = find_state<Cart>(held, doc, why);
    if (!cart) continue;
    const auto items = cart->value();
    for (const auto& [item, increments] : model.increments) {
      const bool exact = !model.cleared && model.maybe_removed.count(item) == 0;
      auto it = items.find(item);
      const std::int64_t count = it == items.end() ? 0 : it->second;
      if (exact ? count != increments : count > increments) {
        why << " " << doc << " counts " << count << " of " << item << ", incremented " << increments
            << " times" << (exact ? "" : " (some removed)") << ";";
      }
    }
    for (const auto& [item, count] : items) {
      if (model.increments.count(item) == 0) {
        why << " " << doc << " holds " << item << ", never incremented;";
      }
    }
  }
  for (const auto& [doc, expected] : model_.lww) {
    const auto* reg = find_state<LWWRegister<std::string>>(held, doc, why);
    if (!reg) continue;
    if (!reg->winner() || reg->winner()->dot != expected.dot ||
        reg->winner()->value != expected.value) {
      why << " " << doc << " reads " << (reg->winner() ? reg->winner()->value : "nothing")
          << ", the latest acknowledged write is " << expected.value << ";";
    }
  }
  for (const auto& [doc, model] : model_.mv) {
    const auto* reg = find_state<MVRegister<std::string>>(held, doc, why);
    if (!reg) continue;
    const auto values = reg->value();
    for (const auto& value : values) {
      if (model.written.count(value) == 0)
        why << " " << doc << " holds " << value << ", never written;";
    }
    if (values.empty() && !model.cleared && !model.written.empty()) {
      why << " " << doc << " holds no value, though written and never removed;";
    }
  }
  for (const auto& [doc, model] : model_.texts) {
    const auto* text = find_state<Text>(held, doc, why);
    if (!text) continue;
    std::map<std::string, std::int64_t> counts;
    for (const auto& point : code_points(text->str())) ++counts[point];
    for (const auto& [point, count] : counts) {
      auto inserted = model.inserted.find(point);
      if (inserted == model.inserted.end() || count > inserted->second) {
        why << " " << doc << " holds " << count << " '" << point << "', inserted "
            << (inserted == model.inserted.end() ? 0 : inserted->second) << ";";
      }
    }
    for (const auto& [point, inserted] : model.inserted) {
      auto erased = model.erased.find(point);
      const std::int64_t floor = inserted - (erased == model.erased.end() ? 0 : erased->second);
      if (counts[point] < floor) {
        why << " " << doc << " holds " << counts[point] << " '" << point << "', inserted "
            << inserted << " and erased at most " << inserted - floor << ";";
      }
    }
  }
  if (why.str().empty()) return std::nullopt;
  return "the values differ from what the acknowledged writes say:" + why.str();
}

UserView Cluster::user_view(SimNode& node, const std::set<std::string>& ids) {
  UserView view;
  node.store->with_store([&](persist::Store& s) {
    for (const auto& info : s.list()) view.listed.push_back(info.id + " (" + info.type + ")");
    for (const auto& id : ids) {
      auto info = s.info(id);
      view.info[id] = info ? info->type : "absent";
      view.read[id] = DocumentState(s.replication().read_any(id));
    }
    for (const auto& conflict : s.conflicts()) {
      view.conflicts.push_back(conflict.id + " (" + conflict.type + ")");
    }
  });
  return view;
}

std::optional<std::string> Cluster::check_user_views() {
  std::set<std::string> ids;
  for (auto& node : nodes_) {
    node.store->with_store([&](persist::Store& s) {
      for (const auto& info : s.replication().list_with_removed()) ids.insert(info.id);
      for (const auto& conflict : s.conflicts()) ids.insert(conflict.id);
    });
  }
  // Entries of `a` missing from `b`, joined.
  auto missing = [](const std::vector<std::string>& a, const std::vector<std::string>& b) {
    std::string out;
    for (const auto& entry : a) {
      if (std::find(b.begin(), b.end(), entry) == b.end()) out += " " + entry;
    }
    return out.empty() ? std::string(" -") : out;
  };
  auto read_text = [](const DocumentState& state) {
    return state ? "present (" + state->type().tag() + ")" : std::string("absent");
  };
  const UserView reference = user_view(nodes_.front(), ids);
  const std::string& first = nodes_.front().name;
  for (std::size_t i = 1; i < nodes_.size(); ++i) {
    const UserView other = user_view(nodes_[i], ids);
    const std::string& name = nodes_[i].name;
    std::ostringstream why;
    if (other.listed != reference.listed) {
      why << " list() holds on " << first << " only:" << missing(reference.listed, other.listed)
          << ", on " << name << " only:" << missing(other.listed, reference.listed) << ";";
    }
    for (const auto& id : ids) {
      if (other.info.at(id) != reference.info.at(id)) {
        why << " info(" << id << ") is " << reference.info.at(id) << " on " << first << ", "
            << other.info.at(id) << " on " << name << ";";
      }
      const DocumentState& mine = reference.read.at(id);
      const DocumentState& theirs = other.read.at(id);
      if (read_text(mine) != read_text(theirs)) {
        why << " read_any(" << id << ") is " << read_text(mine) << " on " << first << ", "
            << read_text(theirs) << " on " << name << ";";
      } else if (mine && !mine->same_state(*theirs)) {
        why << " read_any(" << id << ") reads other states on " << first << " and " << name << ";";
      }
    }
    if (other.conflicts != reference.conflicts) {
      why << " conflicts() holds on " << first
          << " only:" << missing(reference.conflicts, other.conflicts) << ", on " << name
          << " only:" << missing(other.conflicts, reference.conflicts) << ";";
    }
    if (!why.str().empty()) {
      return "what a user reads differs between " + first + " and " + name + ":" + why.str();
    }
  }
  return std::nullopt;
}

ScheduleResult Cluster::run() {
  ScheduleResult result;
  result.seed = seed_;
  const int count = static_cast<int>(draw(size_.min_nodes, size_.max_nodes));
  topology_ = static_cast<Topology>(draw(0, 2));
  nodes_.resize(count);
  for (int i = 0; i < count; ++i) {
    SimNode& node = nodes_[i];
    node.name = "n" + std::to_string(i);
    node.host = &network_.host(node.name);
    node.file = dir_.file(node.name);
  }
  auto link = [&](int from, int to) {
    nodes_[from].peers.push_back(Address{nodes_[to].name, kPort});
  };
  for (int i = 1; i < count; ++i) {
    if (topology_ == Topology::star) link(i, 0);
    if (topology_ == Topology::chain) link(i, i - 1);
    if (topology_ == Topology::mesh) {
      for (int j = 0; j < i; ++j) {
        if (chance(0.6) || j == i - 1) link(i, j);
      }
    }
  }
  // A third of the schedules bound every log (by size, age, or both), fold early so that the
  // bounds can bite, and compact and truncate logs while the nodes run: peers then fall behind
  // what a log retained and catch up by digests.
  log_bounds_ = log_chance(1.0 / 3.0);
  if (log_bounds_) {
    for (auto& node : nodes_) {
      node.log_policy.fold_max_deltas = log_draw(0, 8);
      if (log_chance(0.6)) node.log_policy.log_max_bytes = log_draw(200, 4000);
      if (log_chance(0.6)) node.log_policy.log_max_age_ms = log_draw(50, 2000);
      node.log_policy.truncate_on_acknowledge = log_chance(0.7);
    }
  }
  for (auto& node : nodes_) node.deferred_parse = log_chance(0.5);
  for (auto& node : nodes_) start(node);

  SimFaults faults;
  faults.min_latency_ms = 1;
  faults.max_latency_ms = draw(2, 30);
  const double level = static_cast<double>(draw(0, 3)) / 3.0;  // some schedules are calm
  faults.drop = 0.01 * level;
  faults.duplicate = 0.01 * level;
  faults.reorder = 0.01 * level;
  faults.corrupt = 0.005 * level;
  faults.disconnect = 0.01 * level;
  network_.set_faults(faults);

  const std::uint64_t step = 10;
  const double write_chance =
      static_cast<double>(size_.operations) / static_cast<double>(size_.active_ms / step);
  std::uint64_t partition_ends = 0;
  for (std::uint64_t t = step; t <= size_.active_ms; t += step) {
    network_.run_until(t);
    for (auto& node : nodes_) {
      if (!node.up() && node.restart_at <= t) start(node);
    }
    if (chance(write_chance)) {
      SimNode& node = nodes_[draw(0, count - 1)];
      if (node.up()) write(node);
    }
    if (partition_ends != 0 && t >= partition_ends) {
      network_.heal();
      partition_ends = 0;
    } else if (partition_ends == 0 && chance(0.002)) {
      std::vector<std::vector<std::string>> groups(2);
      for (auto& node : nodes_) groups[draw(0, 1)].push_back(node.name);
      network_.partition(groups);
      ++partitions_;
      partition_ends = t + draw(100, 1500);
    }
    if (chance(0.0015)) {
      SimNode& node = nodes_[draw(0, count - 1)];
      if (node.up()) crash(node);
    }
    if (log_bounds_ && log_chance(0.02)) {
      SimNode& node = nodes_[log_draw(0, static_cast<std::uint64_t>(count - 1))];
      if (node.up()) maintain_log(node);
    }
  }

  // Heal: no more faults, every node up, then wait for quiescence.
  network_.heal();
  SimFaults calm;
  calm.min_latency_ms = 1;
  calm.max_latency_ms = 5;
  network_.set_faults(calm);
  for (auto& node : nodes_) {
    if (!node.up()) start(node);
  }
  const std::uint64_t healed_at = network_.now_ms();
  std::optional<std::string> failure;
  for (;;) {
    network_.run_for(100);
    failure = check();
    if (!failure) break;
    if (network_.now_ms() - healed_at > size_.settle_ms) break;
  }
  result.converged_after_ms = network_.now_ms() - healed_at;
  // Once the states agree, they must read as the writes say, and every user must see the same.
  std::optional<std::string> view_failure;
  if (!failure) {
    failure = check_model();
    view_failure = check_user_views();
  }
  std::ostringstream summary;
  summary << "seed " << seed_ << ": " << count << " nodes, " << name_of(topology_) << ", "
          << writes_ << " writes (" << refused_writes_ << " refused: type conflicts), " << crashes_
          << " crashes, " << partitions_ << " partitions, faults x" << level;
  if (log_bounds_) {
    summary << ", bounded logs (" << log_dropped_ << " entries truncated, " << log_compacted_
            << " compacted by the schedule)";
  }
  summary << "; " << network_.stats().str();
  result.summary = summary.str();
  auto explain = [&](const std::string& what) {
    std::string out = what + " after " + std::to_string(result.converged_after_ms) +
                      " ms of quiet [" + result.summary + "]";
    if (network_.trace_lines().size() > 0) out += "\n" + network_.trace_text();
    return out;
  };
  if (failure) result.failure = explain(*failure);
  if (view_failure) result.view_failure = explain(*view_failure);
  result.ok = !failure;
  result.views_agree = !view_failure;
  for (auto& node : nodes_) {
    if (node.engine) node.engine->stop();
    node.engine.reset();
    node.store.reset();
  }
  return result;
}

}  // namespace

ScheduleResult run_schedule(std::uint64_t seed, const ScheduleSize& size, bool trace) {
  Cluster cluster(seed, size, trace);
  return cluster.run();
}

}  // namespace crdt::sync::test
