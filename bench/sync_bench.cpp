#include "sync_bench.hpp"

#include <algorithm>
#include <exception>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "network_benches.hpp"

namespace crdt::bench {

namespace {

void add_common(CLI::App& command, std::string& durability, bool& verbose) {
  command.add_option("--durability", durability, "store durability of every node")
      ->check(CLI::IsMember({"full", "normal"}));
  command.add_flag("--verbose", verbose, "the nodes' logs on stderr");
}

int print(const nlohmann::json& line) {
  std::cout << line.dump() << std::endl;
  return !line.contains("ok") || line.at("ok").get<bool>() ? 0 : 1;
}

}  // namespace

std::function<std::optional<int>()> add_network_benches(CLI::App& app) {
  auto sync = std::make_shared<SyncSettings>();
  auto* sync_command =
      app.add_subcommand("sync", "a writer and a reader process: throughput and latency");
  sync_command->add_option("--updates", sync->updates, "updates in throughput mode");
  sync_command->add_option("--latency-updates", sync->latency_updates, "updates in latency mode");
  sync_command->add_option("--rate", sync->rate, "latency mode: updates per second")
      ->check(CLI::PositiveNumber);
  sync_command
      ->add_option("--threads", sync->threads,
                   "throughput mode: writer threads calling update (0: one thread, update_async)")
      ->check(CLI::Range(0, 256));
  sync_command->add_option("--mode", sync->mode, "throughput, latency or both")
      ->check(CLI::IsMember({"throughput", "latency", "both"}));
  sync_command->add_option("--runs", sync->runs, "runs; each figure is the median")
      ->check(CLI::Range(1, 1000));
  sync_command->add_option("--timeout", sync->timeout_s, "seconds a run may take at most")
      ->check(CLI::PositiveNumber);
  add_common(*sync_command, sync->durability, sync->verbose);

  auto reader = std::make_shared<SyncReaderSettings>();
  auto* reader_command = app.add_subcommand("sync-reader", "")->group("");  // hidden: internal
  reader_command->add_option("--dir", reader->dir)->required();
  reader_command->add_option("--out", reader->out)->required();
  reader_command->add_option("--updates", reader->updates)->required();
  reader_command->add_option("--parent", reader->parent);
  reader_command->add_option("--timeout", reader->timeout_s);
  add_common(*reader_command, reader->durability, reader->verbose);

  auto catchup = std::make_shared<CatchupSettings>();
  auto* catchup_command =
      app.add_subcommand("catchup", "an offline device reconnects to a hub that changed");
  catchup_command->add_option("--docs", catchup->docs, "documents");
  catchup_command->add_option("--updates", catchup->updates, "updates made while offline");
  catchup_command->add_option("--touched", catchup->touched,
                              "fraction of the documents the updates touch");
  catchup_command
      ->add_option("--settle-ms", catchup->settle_ms,
                   "wait after the setup writes, so the hub's engine has polled them")
      ->check(CLI::Range(0, 60000));
  catchup_command->add_option("--runs", catchup->runs, "runs; each figure is the median")
      ->check(CLI::Range(1, 1000));
  add_common(*catchup_command, catchup->durability, catchup->verbose);

  auto restart = std::make_shared<RestartSettings>();
  auto* restart_command =
      app.add_subcommand("restart", "a node with many documents: open to ready to serve");
  restart_command->add_option("--docs", restart->docs, "documents");
  restart_command->add_option("--runs", restart->runs, "runs; each figure is the median")
      ->check(CLI::Range(1, 1000));
  add_common(*restart_command, restart->durability, restart->verbose);

  auto fanout = std::make_shared<FanoutSettings>();
  auto* fanout_command = app.add_subcommand("fanout", "one hub write reaching many devices");
  fanout_command->add_option("--devices", fanout->devices, "devices")->check(CLI::Range(1, 500));
  fanout_command->add_option("--writes", fanout->writes, "timed writes; figures are medians")
      ->check(CLI::Range(1, 1000));
  add_common(*fanout_command, fanout->durability, fanout->verbose);

  auto isolation = std::make_shared<IsolationSettings>();
  auto* isolation_command = app.add_subcommand(
      "isolation", "a live device's latency on a hub while another device uploads a backlog");
  isolation_command->add_option("--devices", isolation->devices, "idle devices")
      ->check(CLI::Range(0, 1000));
  isolation_command->add_option("--bulk-docs", isolation->bulk_docs,
                                "documents of about 2 KB the bulk device uploads");
  isolation_command
      ->add_option("--idle-ms", isolation->idle_ms,
                   "live updates measured before the bulk device connects")
      ->check(CLI::Range(200, 600000));
  isolation_command->add_flag(
      "--floor", isolation->floor,
      "also measure with the upload going to a second hub on this machine (the floor)");
  isolation_command->add_option("--runs", isolation->runs, "runs; each figure is the median")
      ->check(CLI::Range(1, 1000));
  isolation_command->add_option("--timeout", isolation->timeout_s, "seconds a run may take at most")
      ->check(CLI::PositiveNumber);
  isolation_command
      ->add_option("--durability", isolation->durability,
                   "store durability of the hub (the devices use normal)")
      ->check(CLI::IsMember({"full", "normal"}));
  isolation_command->add_flag("--verbose", isolation->verbose, "the nodes' logs on stderr");

  auto peer = std::make_shared<IsolationPeerSettings>();
  auto* peer_command = app.add_subcommand("isolation-peer", "")->group("");  // hidden: internal
  peer_command->add_option("--role", peer->role)
      ->required()
      ->check(CLI::IsMember({"hub", "idle", "live", "bulk"}));
  peer_command->add_option("--dir", peer->dir)->required();
  peer_command->add_option("--port", peer->port);
  peer_command->add_option("--devices", peer->devices);
  peer_command->add_option("--bulk-docs", peer->bulk_docs);
  peer_command->add_option("--parent", peer->parent);
  peer_command->add_option("--timeout", peer->timeout_s);
  add_common(*peer_command, peer->durability, peer->verbose);

  return [=]() -> std::optional<int> {
    try {
      if (sync_command->parsed()) {
        int code = 0;
        run_sync(*sync,
                 [&code](const nlohmann::json& line) { code = std::max(code, print(line)); });
        return code;
      }
      if (reader_command->parsed()) return run_sync_reader(*reader);
      if (catchup_command->parsed()) return print(run_catchup(*catchup));
      if (restart_command->parsed()) return print(run_restart(*restart));
      if (fanout_command->parsed()) return print(run_fanout(*fanout));
      if (isolation_command->parsed()) return print(run_isolation(*isolation));
      if (peer_command->parsed()) return run_isolation_peer(*peer);
    } catch (const std::exception& error) {
      std::cerr << "crdt-bench: " << error.what() << '\n';
      return 1;
    }
    return std::nullopt;
  };
}

}  // namespace crdt::bench
