// trainsim: git-style subcommands over sim/ and reports/. Errors become one line and an exit code:
// 2 for bad input (ConfigError, bad arguments), 1 for anything else.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>

#include "cli/commands.h"
#include "cli/error_report.h"
#include "core/error.h"

int main(int argc, char** argv) {
  CLI::App app{"trainsim: what a large (MoE) training run costs, and why. A cost model and discrete-event "
               "simulator of GPU training clusters, built around DeepSeek-V3 on H800."};
  app.set_version_flag("--version", std::string("trainsim ") + TRAINSIM_VERSION);
  app.require_subcommand(1);
  trainsim::cli::add_run_command(app);
  trainsim::cli::add_models_command(app);
  trainsim::cli::add_gpus_command(app);
  trainsim::cli::add_validate_scenario_command(app);
  trainsim::cli::add_schedule_command(app);
  trainsim::cli::add_bench_command(app);
  trainsim::cli::add_calibrate_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  } catch (const std::exception& e) {
    const trainsim::cli::ErrorReport report = trainsim::cli::report_error(e);
    std::fputs(report.line.c_str(), stderr);
    return report.exit_code;
  }
  return 0;
}
