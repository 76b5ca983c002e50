#include "sim_cluster.hpp"

#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <sstream>
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

struct SimNode {
  std::string name;
  SimHost* host = nullptr;
  std::string file;
  int generation = 0;
  std::vector<Address> peers;
  std::unique_ptr<persist::SharedStore> store;
  std::unique_ptr<SyncEngine> engine;
  std::uint64_t restart_at = 0;  // while down
  bool up() const { return engine != nullptr; }
};

class Cluster {
 public:
  Cluster(std::uint64_t seed, const ScheduleSize& size, bool trace)
      : seed_(seed), size_(size), random_(seed), network_(seed ^ 0x5eed5eed5eedULL, SimFaults{}) {
    network_.trace(trace);
  }

  ScheduleResult run();

 private:
  std::uint64_t draw(std::uint64_t low, std::uint64_t high) {
    return std::uniform_int_distribution<std::uint64_t>(low, high)(random_);
  }
  bool chance(double p) { return std::bernoulli_distribution(p)(random_); }

  void start(SimNode& node);
  void crash(SimNode& node);
  void write(SimNode& node);
  template <class T, class F>
  void update(SimNode& node, const std::string& doc, F&& f);
  // (id, type) -> state, of documents and conflict states.
  std::map<std::pair<std::string, std::string>, DocumentState> states(SimNode& node);
  std::optional<std::string> check();

  std::uint64_t seed_;
  ScheduleSize size_;
  std::mt19937_64 random_;
  crdt::test::TempDir dir_{"crdt-sim"};
  SimNetwork network_;
  Topology topology_ = Topology::star;
  std::vector<SimNode> nodes_;
  std::vector<Expectation> expectations_;
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
  engine_options.batch_bytes = 512;  // small batches: more messages, more interleavings
  node.engine = std::make_unique<SyncEngine>(node.host->loop(), node.host->transport(), *node.store,
                                             std::move(engine_options));
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

template <class T, class F>
void Cluster::update(SimNode& node, const std::string& doc, F&& f) {
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
    }
    node.engine->log_advanced();
  } catch (const persist::Error& error) {
    // A document that arrived with another type refuses this type's writes: not acknowledged.
    if (error.code() != persist::ErrorCode::wrong_type) throw;
    ++refused_writes_;
  }
}

void Cluster::write(SimNode& node) {
  const std::string n = std::to_string(draw(0, 1));
  const std::string element = "e" + std::to_string(draw(0, 5));
  switch (draw(0, 10)) {
    case 0:
      update<ORSet<std::string>>(node, "set/" + n, [&](ORSet<std::string>& s, persist::Writer& w) {
        return chance(0.7) ? s.add(w.replica(), element) : s.remove(w.replica(), element);
      });
      break;
    case 1:
      update<PNCounter>(node, "pn/" + n, [&](PNCounter& c, persist::Writer& w) {
        return chance(0.6) ? c.increment(w.replica(), draw(1, 5)) : c.decrement(w.replica(), 1);
      });
      break;
    case 2:
      update<LWWRegister<std::string>>(
          node, "lww/0", [&](LWWRegister<std::string>& r, persist::Writer& w) {
            return r.set(w.replica(), w.clock(), node.name + ":" + std::to_string(draw(0, 999)));
          });
      break;
    case 3:
      update<MVRegister<std::string>>(
          node, "mv/0", [&](MVRegister<std::string>& r, persist::Writer& w) {
            return r.write(w.replica(), node.name + ":" + std::to_string(draw(0, 999)));
          });
      break;
    case 4:
      update<CausalCounter>(node, "cc/0", [&](CausalCounter& c, persist::Writer& w) {
        if (chance(0.1)) return c.reset(w.replica());
        return c.increment(w.replica(), static_cast<std::int64_t>(draw(1, 3)));
      });
      break;
    case 5:
      update<BoundedCounter>(
          node, "bc/0",
          [&](BoundedCounter& c, persist::Writer& w) -> std::optional<BoundedCounter> {
            if (chance(0.5)) return c.decrement(w.replica(), 1);
            return c.increment(w.replica(), draw(1, 4));
          });
      break;
    case 6:
      update<Cart>(node, "cart/" + n, [&](Cart& cart, persist::Writer& w) {
        const std::string item = "item" + std::to_string(draw(0, 3));
        if (chance(0.2)) return cart.remove(w.replica(), item);
        return cart.update(w.replica(), item,
                           [&](CausalCounter& count) { return count.increment(w.replica(), 1); });
      });
      break;
    case 7:
    case 8:
      update<Text>(node, "text/" + n, [&](Text& text, persist::Writer& w) {
        const std::size_t size = text.size();
        if (size > 0 && chance(0.3)) {
          const std::size_t pos = draw(0, size - 1);
          return text.erase(w.replica(), pos, draw(1, std::min<std::size_t>(3, size - pos)));
        }
        static const char* kPieces[] = {"a", "bc", "\xc3\xa9", "\xe2\x82\xac", "xyz", " "};
        return text.insert(w.replica(), draw(0, size), kPieces[draw(0, 5)]);
      });
      break;
    case 9:
      // The same id with two types on two replicas: kept as a visible conflict.
      if (node.name.back() % 2 == 0) {
        update<ORSet<std::string>>(node, "x/0", [&](ORSet<std::string>& s, persist::Writer& w) {
          return s.add(w.replica(), element);
        });
      } else {
        update<PNCounter>(node, "x/0", [&](PNCounter& c, persist::Writer& w) {
          return c.increment(w.replica(), 1);
        });
      }
      break;
    default: {
      // Dotted types remove with a delta; counters and LWW registers with a removal record.
      static const char* kRemovable[] = {"set/0", "cart/0", "text/0", "cc/0",
                                         "mv/0",  "pn/0",   "lww/0",  "bc/0"};
      const std::string doc = kRemovable[draw(0, 7)];
      node.store->with_store([&](persist::Store& s) { s.remove(doc); });
      node.engine->log_advanced();
      break;
    }
  }
}

std::map<std::pair<std::string, std::string>, DocumentState> Cluster::states(SimNode& node) {
  std::map<std::pair<std::string, std::string>, DocumentState> out;
  node.store->with_store([&](persist::Store& s) {
    auto decoded = [&](const std::string& type, const Bytes& frame) -> DocumentState {
      std::string error;
      return DocumentState(s.find_type(type)->decode(frame, SIZE_MAX, error));
    };
    for (const auto& info : s.list_with_removed()) {
      auto frame = s.delta_since(info.id, VersionVector{});
      if (frame) out[{info.id, info.type}] = decoded(info.type, *frame);
    }
    for (const auto& conflict : s.conflicts()) {
      auto frame = s.conflict_state(conflict.id, conflict.type);
      if (frame) out[{conflict.id, conflict.type}] = decoded(conflict.type, *frame);
    }
    for (const auto& info : s.list_with_removed()) {
      if (auto record = s.removal_record(info.id)) {
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
  std::ostringstream summary;
  summary << "seed " << seed_ << ": " << count << " nodes, " << name_of(topology_) << ", "
          << writes_ << " writes (" << refused_writes_ << " refused: type conflicts), " << crashes_
          << " crashes, " << partitions_ << " partitions, faults x" << level << "; "
          << network_.stats().str();
  result.summary = summary.str();
  if (failure) {
    result.failure = *failure + " after " + std::to_string(result.converged_after_ms) +
                     " ms of quiet [" + result.summary + "]";
    if (network_.trace_lines().size() > 0) result.failure += "\n" + network_.trace_text();
  }
  result.ok = !failure;
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
