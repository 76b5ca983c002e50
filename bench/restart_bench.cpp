// crdt-bench restart: how long a node with D documents takes to be ready to serve after a restart.
//
// What is measured. One process. Setup (not timed): a store of D documents "set/<d>", each an
// ORSet<string> of three elements, made in batches and closed; a client store syncs with it once,
// so each timed run is a known device reconnecting to a restarted hub, with nothing new either way.
// Each run: the client node is opened with no peer (not timed); then the clock starts,
// Node::open(server file, listen 127.0.0.1:0) runs (open_ms when it returns), the client is told
// the server's address (Node::connect), and the clock stops when Node::wait_synced returns on the
// client: handshake done and the first exchange finished both ways (first_sync_ms). Both nodes are
// stopped (cleanly closing both stores) between runs. ms = the median of first_sync_ms. The files
// stay in the OS page cache: this is a process restart, not a cold boot.
#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <crdt/or_set.hpp>
#include <crdt/persist/store.hpp>
#include <crdt/serialization/all.hpp>
#include <crdt/sync/node.hpp>

#include "net_support.hpp"
#include "network_benches.hpp"

namespace crdt::bench {

namespace {

using Set = ORSet<std::string>;
using std::chrono::milliseconds;
constexpr std::size_t kPerBatch = 1000;
constexpr milliseconds kSyncTimeout{120000};

void create_documents(const std::string& file, std::size_t docs, const persist::Options& options) {
  persist::Store store = persist::Store::open(file, options);
  for (std::size_t first = 0; first < docs; first += kPerBatch) {
    store.batch([&](persist::Batch& batch) {
      for (std::size_t d = first; d < std::min(docs, first + kPerBatch); ++d) {
        batch.update<Set>("set/" + std::to_string(d), [&](Set& set, persist::Writer& w) {
          Set delta = set.add(w.replica(), "apple-" + std::to_string(d));
          delta.merge(set.add(w.replica(), "pear"));
          delta.merge(set.add(w.replica(), "plum-" + std::to_string(d % 7)));
          return delta;
        });
      }
    });
  }
  store.close();
}

}  // namespace

nlohmann::json run_restart(const RestartSettings& settings) {
  if (settings.docs == 0) throw std::invalid_argument("restart: --docs must be at least 1");
  const ScratchDir scratch;
  const auto options = store_options(parse_durability(settings.durability));
  const std::string server_file = scratch.file("server.db");
  const std::string client_file = scratch.file("client.db");
  create_documents(server_file, settings.docs, options);
  {
    auto server_options = node_options(settings.verbose, "server");
    server_options.listen = {loopback(0)};
    auto server = sync::Node::open(server_file, std::move(server_options), options);
    auto client_options = node_options(settings.verbose, "client");
    client_options.peers = {server->bound().front()};
    auto client = sync::Node::open(client_file, std::move(client_options), options);
    if (!client->wait_synced(kSyncTimeout)) throw std::runtime_error("restart: no initial sync");
    if (!client->read<Set>("set/" + std::to_string(settings.docs - 1))) {
      throw std::runtime_error("restart: the initial sync did not bring the documents");
    }
  }

  std::vector<double> open_ms, ready_ms;
  for (int run = 0; run < settings.runs; ++run) {
    auto client = sync::Node::open(client_file, node_options(settings.verbose, "client"), options);
    auto server_options = node_options(settings.verbose, "server");
    server_options.listen = {loopback(0)};
    const auto start = Clock::now();
    auto server = sync::Node::open(server_file, std::move(server_options), options);
    open_ms.push_back(ms_between(start, Clock::now()));
    client->connect(server->bound().front());
    if (!client->wait_synced(kSyncTimeout)) throw std::runtime_error("restart: no first sync");
    ready_ms.push_back(ms_between(start, Clock::now()));
  }
  return nlohmann::json{{"bench", "restart"},
                        {"docs", settings.docs},
                        {"ms", median(ready_ms)},
                        {"open_ms", median(open_ms)},
                        {"first_sync_ms", median(ready_ms)},
                        {"max_ms", *std::max_element(ready_ms.begin(), ready_ms.end())},
                        {"durability", settings.durability},
                        {"runs", settings.runs},
                        {"processes", 1}};
}

}  // namespace crdt::bench
