// The subcommands of `trainsim`. Each add_*_command registers itself on the parent app; its callback
// throws trainsim::ConfigError for bad input (main prints it and exits 2) and trainsim::Error otherwise (1).
#pragma once
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace trainsim::cli {

// What a ConfigError names as its file for a value typed on the command line rather than read from a file.
inline constexpr const char* kCommandLineOrigin = "command line";

void add_run_command(CLI::App& app);
void add_models_command(CLI::App& app);
void add_gpus_command(CLI::App& app);
void add_validate_scenario_command(CLI::App& app);
void add_validate_published_command(CLI::App& app);
void add_validate_command(CLI::App& app);
void add_schedule_command(CLI::App& app);
void add_bench_command(CLI::App& app);
void add_calibrate_command(CLI::App& app);
void add_routing_command(CLI::App& app);
void add_sweep_command(CLI::App& app);
void add_merge_command(CLI::App& app);
void add_plan_command(CLI::App& app);
void add_topology_command(CLI::App& app);
void add_ops_command(CLI::App& app);
// `--set KEY.PATH=VALUE`, repeatable, on a command that reads a scenario (sim::load_scenario's overrides).
void add_set_option(CLI::App& command, std::vector<std::string>& overrides);
// Needs the whole app: it walks every command registered before it.
void add_completion_command(CLI::App& app);

}  // namespace trainsim::cli
