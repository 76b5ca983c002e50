// crdt serve / sync: the network half. serve runs a node in the foreground; sync is a device
// coming online once. `crdt status --node` (inspect.cpp) asks a running node.
//
// Output: serve prints one line when it listens, {"node", "listening": [addresses]}, then logs to
// stderr until SIGINT or SIGTERM, and exits 0 after a clean shutdown. sync prints
// {"peer", "node", "documents_sent", "documents_received", "bytes_sent", "bytes_received", "ms"}.
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <signal.h>
#include <sstream>
#include <string>
#include <sys/file.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include <crdt/sync/node.hpp>

#include "commands/commands.hpp"
#include "network_options.hpp"

namespace crdt::cli {

namespace {

struct ServeArgs {
  std::vector<std::string> listen;
  std::vector<std::string> peers;
  std::string secret_file;
  std::vector<std::string> subscribe;
};

struct SyncArgs {
  std::string peer;
  std::string secret_file;
  std::vector<std::string> subscribe;
  double timeout_s = 30;
};

// How long a shutdown may take after SIGINT or SIGTERM before the process exits anyway.
constexpr std::chrono::seconds kShutdownLimit{10};

// One node per file: two would run under one replica id, and their peers would take them for one.
// An advisory lock (flock) on the database file, which SQLite's own (fcntl) locks do not touch;
// the `crdt` commands that edit the file while its node runs do not take it.
class NodeLock {
 public:
  explicit NodeLock(const std::string& file) {
    fd_ = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw CommandError(file + ": cannot open: " + std::strerror(errno));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd_);
      throw CommandError(file + ": another node (crdt serve or crdt sync) is running on this file");
    }
  }
  ~NodeLock() { ::close(fd_); }
  NodeLock(const NodeLock&) = delete;
  NodeLock& operator=(const NodeLock&) = delete;

 private:
  int fd_ = -1;
};

// One log line on stderr, with the time, from any of the node's threads.
void log_line(std::string_view line) {
  static std::mutex mutex;
  const std::time_t now = std::time(nullptr);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  std::lock_guard lock(mutex);
  std::cerr << stamp << " crdt: " << line << std::endl;
}

void run_serve(const CommandContext& context, const ServeArgs& args) {
  sync::NodeOptions options;
  for (const auto& text : args.listen)
    options.listen.push_back(parse_address("--listen", text, true));
  for (const auto& text : args.peers) options.peers.push_back(parse_address("--peer", text, false));
  if (options.listen.empty()) throw UsageError("--listen is required");
  options.secret = read_secret(args.secret_file);
  options.subscribe = args.subscribe;
  options.log = log_line;
  // SIGINT and SIGTERM are taken by sigwait below; blocked before the node starts its threads,
  // so none of them receives the signal instead.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  context.open(Access::create).close();  // the usual checks and messages for --db
  const NodeLock lock(context.db());
  auto node = sync::Node::open(context.db(), std::move(options));
  Json listening = Json::array();
  for (const auto& address : node->bound()) listening.push_back(address.str());
  CommandContext::print(Json{{"node", node->id().to_string()}, {"listening", listening}});
  std::cout.flush();
  // Woken by a signal, or, every poll, to see whether the node stopped serving by itself (an
  // unusable store): a server that cannot serve must not go on holding its port.
  const timespec poll{0, 200'000'000};
  std::optional<std::string> failure;
  int received = -1;
  while (received < 0) {
    received = sigtimedwait(&signals, nullptr, &poll);
    if (received < 0 && (failure = node->failure())) break;
  }
  if (received >= 0) {
    log_line(std::string("received ") + (received == SIGINT ? "SIGINT" : "SIGTERM") +
             ", shutting down");
  }
  // Stopping waits for the store (a commit in progress, acknowledgements); should the disk hang,
  // the process still ends: what was acknowledged is already durable.
  std::thread([] {
    std::this_thread::sleep_for(kShutdownLimit);
    log_line("shutdown took longer than " + std::to_string(kShutdownLimit.count()) + " s; exiting");
    std::_Exit(3);
  }).detach();
  node->stop();
  if (failure) throw CommandError("the node stopped: " + *failure);
}

void run_sync(const CommandContext& context, const SyncArgs& args) {
  sync::NodeOptions options;
  options.peers.push_back(parse_address("--peer", args.peer, false));
  options.secret = read_secret(args.secret_file);
  options.subscribe = args.subscribe;
  options.reconnect_min = std::chrono::milliseconds(50);
  options.reconnect_max = std::chrono::milliseconds(1000);
  std::string last_error;
  options.log = [&last_error](std::string_view line) {
    static std::mutex mutex;
    std::lock_guard lock(mutex);
    last_error = std::string(line);
  };
  context.open(Access::create).close();
  const NodeLock lock(context.db());
  const auto started = std::chrono::steady_clock::now();
  auto node = sync::Node::open(context.db(), std::move(options));
  const auto deadline =
      started + std::chrono::milliseconds(static_cast<std::int64_t>(args.timeout_s * 1000));
  bool synced = false;
  while (std::chrono::steady_clock::now() < deadline) {
    if (node->wait_synced(std::chrono::milliseconds(20))) {
      synced = true;
      break;
    }
    if (auto refusal = node->refusal()) {
      node->stop();
      throw CommandError("refused by " + args.peer + ": " + *refusal);
    }
  }
  const auto sessions = node->sessions();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
  const std::string id = node->id().to_string();
  node->stop();
  if (!synced) {
    std::ostringstream line_text;
    line_text << "no complete sync with " << args.peer << " within " << args.timeout_s << " s";
    std::string line = line_text.str();
    if (!last_error.empty()) line += " (last: " + last_error + ")";
    throw CommandError(line);
  }
  Json out{{"peer", args.peer}, {"node", id}};
  std::uint64_t sent = 0, received = 0, bytes_sent = 0, bytes_received = 0;
  for (const auto& session : sessions) {
    sent += session.progress.items_sent;
    received += session.progress.documents_received;
    bytes_sent += session.link.bytes_sent;
    bytes_received += session.link.bytes_received;
  }
  out["documents_sent"] = sent;
  out["documents_received"] = received;
  out["bytes_sent"] = bytes_sent;
  out["bytes_received"] = bytes_received;
  out["ms"] = ms;
  CommandContext::print(out);
}

}  // namespace

void add_network_commands(CLI::App& app, CommandContext& context) {
  CLI::App* serve = app.add_subcommand(
      "serve", "run a node: listen, connect to peers, sync until SIGINT/SIGTERM");
  context.add_db_option(*serve);
  auto serve_args = std::make_shared<ServeArgs>();
  serve
      ->add_option("--listen", serve_args->listen,
                   "address to listen on (HOST:PORT; port 0 picks one)")
      ->type_name("HOST:PORT")
      ->required();
  serve->add_option("--peer", serve_args->peers, "a peer to connect to (repeatable)")
      ->type_name("HOST:PORT");
  serve->add_option("--secret-file", serve_args->secret_file, "the cluster's pre-shared secret")
      ->type_name("FILE");
  serve
      ->add_option("--subscribe", serve_args->subscribe,
                   "only documents whose id starts with PREFIX (repeatable; default all)")
      ->type_name("PREFIX");
  serve->callback([&context, serve_args] {
    context.set_action([&context, serve_args] { run_serve(context, *serve_args); });
  });

  CLI::App* sync = app.add_subcommand(
      "sync", "connect to a peer, exchange until both have what the other had, then exit");
  context.add_db_option(*sync);
  auto sync_args = std::make_shared<SyncArgs>();
  sync->add_option("--peer", sync_args->peer, "the peer to sync with")
      ->type_name("HOST:PORT")
      ->required();
  sync->add_option("--secret-file", sync_args->secret_file, "the cluster's pre-shared secret")
      ->type_name("FILE");
  sync->add_option("--subscribe", sync_args->subscribe,
                   "only documents whose id starts with PREFIX (repeatable; default all)")
      ->type_name("PREFIX");
  sync->add_option("--timeout", sync_args->timeout_s, "give up after this many seconds (30)")
      ->type_name("SECONDS")
      ->check(CLI::PositiveNumber);
  sync->callback([&context, sync_args] {
    context.set_action([&context, sync_args] { run_sync(context, *sync_args); });
  });
}

}  // namespace crdt::cli
