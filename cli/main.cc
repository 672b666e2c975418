// trainsim: git-style subcommands over sim/ and reports/. Errors become one line and an exit code:
// 2 for bad input (ConfigError, bad arguments), 1 for anything else. A parse error is one line and a --help pointer.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "cli/cli_errors.h"
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
  trainsim::cli::add_validate_published_command(app);
  trainsim::cli::add_validate_command(app);
  trainsim::cli::add_schedule_command(app);
  trainsim::cli::add_bench_command(app);
  trainsim::cli::add_calibrate_command(app);
  trainsim::cli::add_routing_command(app);
  trainsim::cli::add_sweep_command(app);
  trainsim::cli::add_merge_command(app);
  trainsim::cli::add_plan_command(app);
  trainsim::cli::add_topology_command(app);
  trainsim::cli::add_ops_command(app);
  trainsim::cli::add_completion_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Errors become one line (cli/cli_errors.h); --help and --version print as CLI11 formats them, and their
    // output is checked below like any other.
    if (e.get_exit_code() != 0) {
      std::fputs(trainsim::cli::describe_parse_error(app, e, std::vector<std::string>(argv + 1, argv + argc)).c_str(),
                 stderr);
      return 2;
    }
    app.exit(e);
  } catch (const std::exception& e) {
    const trainsim::cli::ErrorReport report = trainsim::cli::report_error(e);
    std::fputs(report.line.c_str(), stderr);
    return report.exit_code;
  }
  // What is still buffered reaches the disk or the pipe only now: a full disk shows here, not silently at exit.
  // (std::cout, synchronised with stdio, writes through stdout's buffer: flushing stdout flushes both.)
  errno = 0;
  const bool flushed = std::fflush(stdout) == 0 && !std::ferror(stdout) && (std::cout.flush(), !std::cout.fail());
  const int error = errno;
  if (!flushed || std::fclose(stdout) != 0) {
    // A write that failed inside std::endl leaves only the stream's error flag, not its errno.
    std::fprintf(stderr, "trainsim: error: cannot write standard output: %s\n",
                 error != 0 ? std::strerror(error) : "an earlier write failed");
    return 1;
  }
  return 0;
}
