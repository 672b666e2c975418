// `trainsim schedule`: argument parsing and checks, then sim::compare_schedules and the reports/ writers.
#include "cli/schedule_command.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>

#include "cli/commands.h"
#include "core/output_files.h"
#include "core/did_you_mean.h"
#include "core/error.h"
#include "core/units.h"
#include "reports/schedule_svg.h"
#include "reports/schedule_table.h"
#include "reports/schedule_trace.h"
#include "sim/scenario/layout_rules.h"
#include "sim/scenario/scenario_loader.h"
#include "sim/schedules/schedule_comparison.h"
#include "sim/schedules/schedule_request.h"
#include "sim/step/priced_scenario.h"
#include "sim/step/step_estimate.h"

namespace trainsim::cli {
namespace {

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

[[noreturn]] void reject(const std::string& flag, std::string problem, std::string expected, std::string hint = {}) {
  throw ConfigError(SourceLocation{kCommandLineOrigin, 0, 0, flag}, std::move(problem), std::move(expected), std::move(hint));
}

sim::ScheduleKind parse_kind(const std::string& name) {
  if (auto kind = sim::schedule_from_name(name)) return *kind;
  std::vector<std::string> names;
  for (sim::ScheduleKind k : sim::kAllScheduleKinds) names.emplace_back(sim::schedule_name(k));
  std::string expected;
  for (const auto& n : names) expected += (expected.empty() ? "" : ", ") + n;
  reject("--kind", "unknown schedule '" + name + "'", "one of " + expected, did_you_mean(name, names));
}

void check_times(const sim::ChunkTimes& t, double p2p_latency_s) {
  const auto positive = [](const char* flag, double v) {
    if (!(v > 0)) reject(flag, fmt::format("{} is not a positive time", v), "seconds > 0");
  };
  positive("--f", t.forward_s);
  positive("--b", t.backward_s);
  positive("--fb", t.overlapped_s);
  if (!(t.weight_backward_s >= 0 && t.weight_backward_s <= t.backward_s))
    reject("--w", fmt::format("W {} is not within the full backward B {}", t.weight_backward_s, t.backward_s),
           "0 <= W <= B", "B is the full backward, inputs and weights together");
  if (!(p2p_latency_s >= 0)) reject("--p2p-latency", fmt::format("{} is negative", p2p_latency_s), "seconds >= 0");
}

// A time flag takes a unit as scenario files write it ("1ms", "5 us"); a bare number is seconds. CLI11 then reads
// the value in seconds; a bad one is a CLI11 ValidationError naming the flag.
CLI::Validator time_quantity() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        double seconds = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seconds);
        if (error == std::errc() && end == text.data() + text.size() && std::isfinite(seconds)) return {};
        const QuantityParse parsed = parse_quantity(text, Dimension::kSeconds);
        if (!parsed.ok() || !std::isfinite(parsed.value))
          return (parsed.ok() ? "'" + text + "' is not finite" : parsed.error) + " (expected a time such as 1ms, 5 us or 0.002)";
        text = fmt::format("{:.17g}", parsed.value);
        return {};
      },
      "TIME");
}

// The scenario's stage chunk times, checked against --pp.
std::vector<sim::ChunkTimes> scenario_stage_times(const ScheduleCommandOptions& options, const sim::Scenario& scenario) {
  const int stages = scenario_schedule_pp(scenario);
  if (options.pp != stages)
    reject("--pp", fmt::format("--pp {} differs from the scenario's {} pipeline stages", options.pp, stages),
           "no --pp with --scenario", "the chunk times belong to the scenario's stages");
  return sim::PricedScenario(scenario).stage_chunks;
}

}  // namespace

std::vector<sim::ChunkTimes> stage_times_for_command(const ScheduleCommandOptions& options, std::string& source) {
  if (!options.scenario_path.empty()) {
    source = options.scenario_path;
    return scenario_stage_times(options, sim::load_scenario(options.scenario_path, options.set));
  }
  check_times(options.times, options.p2p_latency_s);
  source = kCommandLineOrigin;
  return {options.times};
}

std::size_t schedule_trace_bytes_bound(const sim::PipelineSchedule& schedule) {
  constexpr std::size_t kBytesPerOp = 512;
  constexpr std::size_t kBytesPerRank = 256;  // thread_name and thread_sort_index, about 180 bytes
  constexpr std::size_t kHeaderBytes = 256;   // displayTimeUnit, process_name
  return kHeaderBytes + kBytesPerRank * static_cast<std::size_t>(schedule.ranks()) +
         kBytesPerOp * static_cast<std::size_t>(schedule.op_count());
}

int scenario_schedule_pp(const sim::Scenario& scenario) {
  return sim::schedule_request_for(scenario.layout, 0).pp;
}

ScheduleCommandOutput run_schedule_command(const ScheduleCommandOptions& options) {
  const sim::ScheduleKind kind = parse_kind(options.kind);
  const sim::ScheduleRequest chosen{kind, options.pp, options.microbatches, options.virtual_stages};
  sim::check_schedule_request(chosen, kCommandLineOrigin);
  // Only the files asked for, checked before the schedules run.
  OutputFiles outputs;
  std::optional<OutputFiles::Id> svg_file, trace_file;
  if (!options.svg_path.empty()) svg_file = outputs.plan("--svg", options.svg_path);
  if (!options.trace_path.empty()) trace_file = outputs.plan("--trace", options.trace_path);
  reports::ScheduleTableInput table;
  std::optional<sim::Scenario> scenario;
  if (options.scenario_path.empty()) {
    table.stage_times = stage_times_for_command(options, table.times_source);
  } else {
    scenario = sim::load_scenario(options.scenario_path, options.set);
    table.stage_times = scenario_stage_times(options, *scenario);
    table.times_source = options.scenario_path;
  }
  table.p2p_latency_s = options.p2p_latency_s;
  table.rows = sim::compare_schedules(options.pp, options.microbatches, options.virtual_stages, table.stage_times,
                                      options.p2p_latency_s);
  if (scenario)
    for (const sim::ScheduleComparison& row : table.rows)
      table.memory.push_back(row.schedule ? sim::memory_under_schedule(*scenario, row.request) : std::nullopt);
  ScheduleCommandOutput output;
  output.out = options.json ? reports::schedule_table_json(table, options.order) : reports::schedule_table_text(table);

  const auto chosen_row = std::find_if(table.rows.begin(), table.rows.end(),
                                      [&](const sim::ScheduleComparison& r) { return r.request.kind == kind; });
  TS_CHECK(chosen_row != table.rows.end() && chosen_row->schedule, "the chosen schedule did not run");
  const sim::ScheduleComparison& row = *chosen_row;
  if (options.order && !options.json) output.out += "\n" + row.schedule->order_text();
  std::string& notes = options.json ? output.err : output.out;
  if (trace_file) {
    const std::size_t estimate_bytes = schedule_trace_bytes_bound(*row.schedule);
    if (estimate_bytes > options.max_trace_bytes)
      reject("--trace",
             fmt::format("the Chrome trace of {} ops would be up to {} bytes ({:.2f} GiB), over the limit of {} "
                         "bytes ({:.2f} GiB)",
                         row.schedule->op_count(), estimate_bytes, static_cast<double>(estimate_bytes) / kGiB,
                         options.max_trace_bytes, static_cast<double>(options.max_trace_bytes) / kGiB),
             "fewer micro-batches or pipeline stages",
             "Perfetto cannot load a trace that large; the table and --svg need no trace");
    outputs.stage(*trace_file, reports::schedule_trace_json(*row.schedule, row.run));
  }
  if (svg_file) {
    outputs.stage(*svg_file, reports::schedule_svg(*row.schedule, row.run));
    if (reports::schedule_svg_draws_bands(*row.schedule))
      output.err += fmt::format("trainsim: {} has {} ops, more than the {} an SVG draws one by one: {} shows each "
                                "rank's busy bands instead\n",
                                options.kind, row.schedule->op_count(), reports::kScheduleSvgMaxOps, options.svg_path);
  }
  outputs.commit();
  if (svg_file) notes += fmt::format("\nwrote {} (SVG timeline of {})\n", options.svg_path, options.kind);
  if (trace_file)
    notes += fmt::format("{}wrote {} (Chrome trace of {}; open in https://ui.perfetto.dev)\n", svg_file ? "" : "\n",
                         options.trace_path, options.kind);
  return output;
}

void add_schedule_command(CLI::App& app) {
  auto options = std::make_shared<ScheduleCommandOptions>();
  CLI::App* cmd = app.add_subcommand(
      "schedule", "Compare pipeline schedules (bubble, memory, devices); with --svg or --trace, draw the chosen one");
  std::vector<std::string> kinds;
  for (sim::ScheduleKind k : sim::kAllScheduleKinds) kinds.emplace_back(sim::schedule_name(k));
  cmd->add_option("--kind", options->kind, "Schedule to draw")->capture_default_str()->check(CLI::IsMember(kinds));
  cmd->add_option("--pp", options->pp, "Pipeline stages (DualPipeV runs them on pp/2 devices)")->capture_default_str();
  cmd->add_option("--microbatches", options->microbatches, "Micro-batches per step, all directions together")
      ->capture_default_str();
  cmd->add_option("--virtual-stages", options->virtual_stages, "Virtual stages per rank for interleaved")
      ->capture_default_str();
  cmd->add_option("--f", options->times.forward_s, "Forward chunk time F (1ms, 800 us; a bare number is seconds)")
      ->capture_default_str()
      ->transform(time_quantity());
  cmd->add_option("--b", options->times.backward_s, "Full backward chunk time B (inputs and weights)")
      ->capture_default_str()
      ->transform(time_quantity());
  cmd->add_option("--w", options->times.weight_backward_s, "Weight-backward chunk time W")
      ->capture_default_str()
      ->transform(time_quantity());
  cmd->add_option("--fb", options->times.overlapped_s, "Overlapped forward-and-backward chunk time F&B")
      ->capture_default_str()
      ->transform(time_quantity());
  cmd->add_option("--p2p-latency", options->p2p_latency_s, "Latency of each stage-to-stage transfer (5us)")
      ->capture_default_str()
      ->transform(time_quantity());
  cmd->add_flag("--json", options->json, "Print JSON instead of the table");
  cmd->add_flag("--order", options->order, "Add the per-rank op order (JSON: of every schedule)");
  cmd->add_option("--svg", options->svg_path,
                  "Also draw the chosen schedule as an SVG timeline in this file (- for standard output); past "
                  "5000 ops it shows each rank's busy bands instead of every op");
  cmd->add_option("--trace", options->trace_path,
                  "Also write the chosen schedule as a Chrome trace to this file (- for standard output; open in "
                  "https://ui.perfetto.dev); about 400 bytes per op, refused past 1 GiB");
  cmd->add_option("--scenario", options->scenario_path,
                  "Take chunk times per stage from a scenario, priced as `trainsim run` prices them; pp, "
                  "micro-batches, virtual stages and kind default to the scenario's, and each schedule's memory per "
                  "GPU is checked against the GPU's; - reads it from standard input");
  add_set_option(*cmd, options->set);
  cmd->callback([options, cmd] {
    if (!options->set.empty() && options->scenario_path.empty())
      reject("--set", "sets a scenario value, but there is no scenario", "--scenario FILE");
    if (!options->scenario_path.empty()) {
      const sim::Scenario scenario = sim::load_scenario(options->scenario_path, options->set);
      if (cmd->count("--pp") == 0) options->pp = scenario_schedule_pp(scenario);
      if (cmd->count("--virtual-stages") == 0 && scenario.layout.schedule == sim::ScheduleKind::kInterleaved)
        options->virtual_stages = scenario.layout.virtual_stages;
      if (cmd->count("--microbatches") == 0)
        options->microbatches = sim::microbatches_per_step(scenario.layout, scenario.job.global_batch_sequences);
      if (cmd->count("--kind") == 0) options->kind = std::string(sim::schedule_name(scenario.layout.schedule));
    }
    const ScheduleCommandOutput output = run_schedule_command(*options);
    write_standard_output(output.out);
    std::fputs(output.err.c_str(), stderr);
  });
}

}  // namespace trainsim::cli
