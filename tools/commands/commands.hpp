// The command groups of `crdt`. Each adds its subcommands to the app and records its action in
// the context when parsed; crdt_main.cpp calls them in the order `crdt --help` lists them. A new
// group (the network half: serve, sync) adds a function here and a line to kCommandGroups.
#pragma once

#include <CLI/CLI.hpp>

#include "command_context.hpp"

namespace crdt::cli {

void add_init_command(CLI::App& app, CommandContext& context);
void add_counter_commands(CLI::App& app, CommandContext& context);
void add_bounded_commands(CLI::App& app, CommandContext& context);
void add_register_commands(CLI::App& app, CommandContext& context);
void add_set_commands(CLI::App& app, CommandContext& context);
void add_cart_commands(CLI::App& app, CommandContext& context);
void add_text_commands(CLI::App& app, CommandContext& context);
void add_remove_command(CLI::App& app, CommandContext& context);
void add_read_commands(CLI::App& app, CommandContext& context);
void add_inspect_commands(CLI::App& app, CommandContext& context);
void add_network_commands(CLI::App& app, CommandContext& context);

using AddCommands = void (*)(CLI::App&, CommandContext&);

inline constexpr AddCommands kCommandGroups[] = {
    add_init_command,  add_counter_commands, add_bounded_commands, add_register_commands,
    add_set_commands,  add_cart_commands,    add_text_commands,    add_remove_command,
    add_read_commands, add_inspect_commands, add_network_commands,
};

// Shared by the groups: the group's parent command, needing exactly one subcommand.
CLI::App* add_group(CLI::App& app, const std::string& name, const std::string& description);

}  // namespace crdt::cli
