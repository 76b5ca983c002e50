// The network subcommands of crdt-bench (sync, catchup, restart, fanout, and the hidden
// sync-reader that `sync` starts as its second process).
#pragma once

#include <functional>
#include <optional>

#include <CLI/CLI.hpp>

namespace crdt::bench {

// Adds the subcommands to `app`. The function returned, called after parsing, runs the one that
// was given, prints its JSON lines and returns the exit code; nullopt when none of them was given.
std::function<std::optional<int>()> add_network_benches(CLI::App& app);

}  // namespace crdt::bench
