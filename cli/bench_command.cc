// `trainsim bench`: the event engine's speed on the default scenario, a table of sim::bench_cases measured
// one by one (sim/step/engine_bench.h): wall time, events per second, peak memory, the simulated step.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <map>
#include <tuple>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/output.h"
#include "reports/text_table.h"
#include "sim/cost/layout_search.h"
#include "sim/cost/scenario_routing.h"
#include "sim/scenario/scenario_loader.h"
#include "sim/step/engine_bench.h"

namespace trainsim::cli {

void add_bench_command(CLI::App& app) {
  struct Options {
    std::string scenario;
    bool quick = false;
    std::string only_case;
    std::string output;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = app.add_subcommand(
      "bench", "Time the event engine: a step at stage and gpu fidelity and how it grows with GPUs and micro-batches");
  command->add_option("scenario", options->scenario, "Scenario YAML file (default: scenarios/deepseek-v3-2048xh800.yaml)");
  command->add_flag("--quick", options->quick, "Stage fidelity only (seconds instead of minutes)");
  command->add_option("--case", options->only_case,
                      "Only the case of this name, or else the cases whose name contains it: --case 'gpu, the default step' "
                      "(the plan line is left out)");
  command->add_option("-o,--output", options->output, "Write the table to this file instead of standard output");
  command->callback([options] {
    const std::string path = options->scenario.empty() ? default_scenario_path() : options->scenario;
    OutputFiles outputs;  // checked before the minutes of measuring
    const OutputFiles::Id table_file = outputs.plan("-o", options->output);
    const sim::Scenario base = sim::load_scenario(path);
    reports::TextTable table({"case", "GPUs computing", "hosts", "activities", "wall", "events/s", "peak memory", "simulated step"},
                             {reports::TextTable::Align::kLeft, reports::TextTable::Align::kRight, reports::TextTable::Align::kRight,
                              reports::TextTable::Align::kRight, reports::TextTable::Align::kRight,
                              reports::TextTable::Align::kRight, reports::TextTable::Align::kRight,
                              reports::TextTable::Align::kRight});
    // A case that repeats an earlier one (the default step is also the 120-micro-batch row) reuses its run.
    std::map<std::tuple<sim::Fidelity, int, int, int, int, bool, bool>, std::vector<std::string>> measured;
    // The routed default step against the balanced one, per fidelity: [fidelity] {balanced wall, routed wall}.
    std::map<sim::Fidelity, std::pair<double, double>> default_walls;
    // What the balanced reference of each routed case cost of its wall (on one core they add up).
    std::string reference_lines;
    auto route = [](const sim::Scenario& s) { return sim::scenario_routing(s)->load; };
    std::vector<sim::BenchCase> cases = sim::bench_cases(base, options->quick, route);
    if (!options->only_case.empty()) {
      // A case's whole name picks that case alone ("gpu, the default step" is also a part of two others).
      const bool whole_name = std::ranges::any_of(cases, [&](const sim::BenchCase& c) { return c.what == options->only_case; });
      std::erase_if(cases, [&](const sim::BenchCase& c) {
        return whole_name ? c.what != options->only_case : c.what.find(options->only_case) == std::string::npos;
      });
      if (cases.empty()) {
        std::string names;
        for (const sim::BenchCase& c : sim::bench_cases(base, options->quick, route))
          names += (names.empty() ? "'" : "; '") + c.what + "'";
        SourceLocation flag;
        flag.file = "--case";
        throw ConfigError(flag, fmt::format("'{}' names none of the bench cases", options->only_case),
                          fmt::format("a part of a case: {}", names));
      }
    }
    for (const sim::BenchCase& c : cases) {
      const auto key = std::tuple{c.fidelity, c.scenario.layout.pp, c.scenario.layout.ep, c.scenario.cluster.nodes,
                                  c.global_batch, c.skewed_routing, static_cast<bool>(c.route)};
      if (auto it = measured.find(key); it != measured.end()) {
        std::vector<std::string> row = it->second;
        row.front() = c.what;
        table.add_row(std::move(row));
        continue;
      }
      std::fprintf(stderr, "bench: %s ...\n", c.what.c_str());
      const sim::BenchMeasurement m = sim::measure(c);
      std::vector<std::string> row{c.what, fmt::format("{}", m.computing_gpus), fmt::format("{}", m.simulated_gpus),
                                   fmt::format("{}", m.activities), fmt::format("{:.2f} s", m.wall_s),
                                   fmt::format("{:.0f}", m.activities / m.wall_s),
                                   fmt::format("{:.0f} MB", m.peak_memory_bytes / 1e6),
                                   c.skewed_routing || c.route
                                       ? fmt::format("{:.3f} s ({:.3f} s straggler)", m.step_time_s, m.straggler_s)
                                       : fmt::format("{:.3f} s", m.step_time_s)};
      if (c.what == fmt::format("{}, the default step", sim::fidelity_name(c.fidelity)))
        default_walls[c.fidelity].first = m.wall_s;
      if (c.route) default_walls[c.fidelity].second = m.wall_s;
      if (m.reference_cpu_s > 0)
        reference_lines += fmt::format("\n  {}: its balanced reference (the straggler's share) took {:.2f} s of CPU, "
                                       "beside the step where a second core is free",
                                       c.what, m.reference_cpu_s);
      measured.emplace(key, row);
      table.add_row(std::move(row));
    }
    // What the router costs: the routed default step (routing, the routed and the balanced simulation) against
    // the balanced one, both measured above.
    std::string routing_lines;
    for (const auto& [fidelity, walls] : default_walls)
      if (walls.first > 0 && walls.second > 0)
        routing_lines += fmt::format("\n  routed default step at {} fidelity: {:.2f} s, {:.1f} x the balanced step's {:.2f} s",
                                     sim::fidelity_name(fidelity), walls.second, walls.second / walls.first, walls.first);
    if (!routing_lines.empty()) routing_lines += " (routing: synthetic, the router included)\n";
    // The layout search's closed form, the rate `trainsim plan` ranks at (one core: the closed form runs here);
    // --quick leaves it out (about 12 s).
    std::string plan_line;
    if (!options->quick && options->only_case.empty()) {
      std::fprintf(stderr, "bench: plan's closed form ...\n");
      sim::PlanRequest plan_request;
      plan_request.rerank = sim::Fidelity::kAnalytic;
      const sim::LayoutPlan plan = sim::plan_layouts(base, plan_request);
      const int priced = plan.considered - plan.rule_refused;
      plan_line = fmt::format("\n  plan's closed form: {} layouts priced (memory included) in {:.2f} s of one core's CPU time, "
                              "{:.0f} a second\n",
                              priced, plan.closed_form_cpu_s, plan.closed_form_cpu_s > 0 ? priced / plan.closed_form_cpu_s : 0.0);
    }
    outputs.stage(table_file,
                  fmt::format("trainsim bench: {} (each case in a child process; wall includes building the graph; "
                              "hosts: the computing GPUs and the peers their flows reach; a case that repeats another "
                              "shows its run)\n\n{}{}{}{}",
                              path, table.render("  "), reference_lines.empty() ? "" : reference_lines + "\n",
                              routing_lines, plan_line));
    commit_outputs(outputs);
  });
}

}  // namespace trainsim::cli
