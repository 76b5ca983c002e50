// The network subcommands of crdt-bench (sync, catchup, restart, fanout, isolation, and the hidden
// sync-reader and isolation-peer that `sync` and `isolation` start as their other processes).
#pragma once

#include <functional>
#include <optional>

#include <CLI/CLI.hpp>

namespace crdt::bench {

// Adds the subcommands to `app`. The function returned, called after parsing, runs the one that
// was given, prints its JSON lines and returns the exit code; nullopt when none of them was given.
std::function<std::optional<int>()> add_network_benches(CLI::App& app);

}  // namespace crdt::bench
