// `trainsim schedule`: every pipeline schedule side by side for one pp and micro-batch count, plus the SVG
// timeline and Chrome trace of the chosen kind. The command is thin: options in, sim/ and reports/ out.
#pragma once
#include <string>
#include <vector>

#include "sim/scenario/scenario.h"
#include "sim/schedules/chunk_times.h"

namespace CLI {
class App;
}

namespace trainsim::cli {

struct ScheduleCommandOptions {
  std::string kind = "dualpipe";
  int pp = 8;
  int microbatches = 20;
  int virtual_stages = 2;
  sim::ChunkTimes times;      // --f --b --w --fb, seconds
  double p2p_latency_s = 0;
  bool json = false;
  bool order = false;
  std::string svg_path;       // empty: schedule-<kind>-p<pp>-m<microbatches>.svg in the current directory
  std::string trace_path;     // empty: schedule-<kind>-p<pp>-m<microbatches>.trace.json
  std::string scenario_path;  // --scenario: see stage_times_for_command
  std::vector<std::string> set;  // --set KEY.PATH=VALUE onto the scenario (sim::load_scenario's overrides)
};

struct ScheduleCommandOutput {
  std::string out;  // what goes to stdout: the table, or the JSON document
  std::string err;  // notes for stderr ("wrote ..." under --json, so stdout stays pure JSON)
};

// The chunk times the executor runs with, one entry for all stages or one per pp stage, and where they came
// from (`source`): the --f/--b/--w/--fb values, or with --scenario the per-stage F, B, W and F&B of the
// scenario as `trainsim run` prices them (sim::PricedScenario::stage_chunks). The scenario fixes pp.
std::vector<sim::ChunkTimes> stage_times_for_command(const ScheduleCommandOptions& options, std::string& source);
// The pp of the scenario's executed schedule (DualPipeV: its 2 pp stages).
int scenario_schedule_pp(const sim::Scenario& scenario);

// Checks the options (ConfigError naming the flag), runs all schedules, writes the SVG and trace of
// options.kind atomically, and returns what to print. Deterministic.
ScheduleCommandOutput run_schedule_command(const ScheduleCommandOptions& options);

void add_schedule_command(CLI::App& app);

}  // namespace trainsim::cli
