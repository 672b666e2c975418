// `trainsim schedule`: every pipeline schedule side by side for one pp and micro-batch count, plus the SVG
// timeline and Chrome trace of the chosen kind when asked (--svg, --trace). The command is thin: options in, sim/ and reports/ out.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "sim/scenario/scenario.h"
#include "sim/schedules/chunk_times.h"
#include "sim/schedules/pipeline_schedule.h"

namespace CLI {
class App;
}

namespace trainsim::cli {

// NOTE: ui.perfetto.dev parses a trace in the browser tab's memory, "2gb is typical" for that limit, and its
// tables take more than the file (perfetto.dev/docs/visualization/large-traces): 1 GiB of JSON is already at
// the edge. Past it --trace is refused (exit 2) before the trace is built.
constexpr std::size_t kMaxScheduleTraceBytes = std::size_t{1} << 30;

// An upper bound of the size of reports::schedule_trace_json for `schedule`, known before building it: per op
// an indented event of 18 lines whose numbers take at most 24 characters (a double's shortest round trip),
// about 420 bytes for an F&B op, bounded by 512; per rank its two metadata events.
std::size_t schedule_trace_bytes_bound(const sim::PipelineSchedule& schedule);

struct ScheduleCommandOptions {
  std::string kind = "dualpipe";
  int pp = 8;
  int microbatches = 20;
  int virtual_stages = 2;
  sim::ChunkTimes times;      // --f --b --w --fb, seconds
  double p2p_latency_s = 0;
  bool json = false;
  bool order = false;
  std::string svg_path;       // --svg: empty writes no SVG
  std::string trace_path;     // --trace: empty writes no trace
  std::string scenario_path;  // --scenario: see stage_times_for_command
  std::vector<std::string> set;  // --set KEY.PATH=VALUE onto the scenario (sim::load_scenario's overrides)
  std::size_t max_trace_bytes = kMaxScheduleTraceBytes;
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

// Checks the options and the output paths (ConfigError naming the flag; trainsim::Error for a path that cannot
// be written), runs all schedules, writes the SVG and the trace of options.kind that were asked for, both or
// neither, and returns what to print. Deterministic.
ScheduleCommandOutput run_schedule_command(const ScheduleCommandOptions& options);

void add_schedule_command(CLI::App& app);

}  // namespace trainsim::cli
