// `trainsim bench`: the event engine's speed on the default scenario (issue 5 asks for it here, not in
// timed tests): wall time, events (activities run) per second and peak memory of a full step at stage and gpu fidelity,
// and how they grow with the simulated GPUs and the micro-batches. Each simulation runs in a child process
// (one SimGrid engine per process), timed from the parent, its peak memory from wait4.
#include <CLI/CLI.hpp>
#include <chrono>
#include <map>
#include <tuple>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/output.h"
#include "core/child_process.h"
#include "reports/text_table.h"
#include "sim/scenario/scenario_loader.h"
#include "sim/step/step_simulation.h"

namespace trainsim::cli {
namespace {

struct BenchCase {
  std::string what;
  sim::Scenario scenario;
  int global_batch = 0;
  sim::Fidelity fidelity = sim::Fidelity::kStage;
};

// The default scenario with pp pipeline devices and EP groups of ep GPUs over the same dp x ep layout
// rules; layers spread evenly (a resized layout need not fit in memory to be timed).
sim::Scenario resized(const sim::Scenario& base, int pp, int ep, int nodes) {
  sim::Scenario s = base;
  s.layout.pp = pp;
  s.layout.ep = ep;
  s.cluster.nodes = nodes;
  s.layout.dp = s.cluster.gpu_count() / (pp * s.layout.tp);
  return s;
}

std::vector<BenchCase> bench_cases(const sim::Scenario& base, bool quick) {
  const int dp = base.layout.dp;
  std::vector<BenchCase> cases;
  cases.push_back({"stage, the default step", base, base.job.global_batch_sequences, sim::Fidelity::kStage});
  for (int m : {32, 64, 120, 240})
    cases.push_back({fmt::format("stage, {} micro-batches", m), base, m * dp, sim::Fidelity::kStage});
  for (int pp : {4, 8, 16})
    cases.push_back({fmt::format("stage, PP {} ({} GPUs)", pp, pp * dp), resized(base, pp, 64, pp * dp / 8),
                     32 * dp, sim::Fidelity::kStage});
  if (quick) return cases;
  cases.push_back({"gpu, the default step", base, base.job.global_batch_sequences, sim::Fidelity::kGpu});
  for (int m : {32, 64, 120})
    cases.push_back({fmt::format("gpu, {} micro-batches", m), base, m * dp, sim::Fidelity::kGpu});
  for (int ep : {16, 32, 64})
    cases.push_back({fmt::format("gpu, EP {} ({} GPUs)", ep, 16 * ep), resized(base, 16, ep, 256), 32 * dp,
                     sim::Fidelity::kGpu});
  return cases;
}

}  // namespace

void add_bench_command(CLI::App& app) {
  struct Options {
    std::string scenario;
    bool quick = false;
    std::string output;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = app.add_subcommand(
      "bench", "Time the event engine: a step at stage and gpu fidelity and how it grows with GPUs and micro-batches");
  command->add_option("scenario", options->scenario, "Scenario YAML file (default: scenarios/deepseek-v3-2048xh800.yaml)");
  command->add_flag("--quick", options->quick, "Stage fidelity only (seconds instead of minutes)");
  command->add_option("-o,--output", options->output, "Write the table to this file instead of standard output");
  command->callback([options] {
    const std::string path = options->scenario.empty() ? default_scenario_path() : options->scenario;
    const sim::Scenario base = sim::load_scenario(path);
    reports::TextTable table({"case", "GPUs computing", "hosts", "activities", "wall", "events/s", "peak memory", "simulated step"},
                             {reports::TextTable::Align::kLeft, reports::TextTable::Align::kRight, reports::TextTable::Align::kRight,
                              reports::TextTable::Align::kRight, reports::TextTable::Align::kRight,
                              reports::TextTable::Align::kRight, reports::TextTable::Align::kRight,
                              reports::TextTable::Align::kRight});
    // A case that repeats an earlier one (the default step is also the 120-micro-batch row) reuses its run.
    std::map<std::tuple<sim::Fidelity, int, int, int, int>, std::vector<std::string>> measured;
    for (const BenchCase& c : bench_cases(base, options->quick)) {
      const auto key = std::tuple{c.fidelity, c.scenario.layout.pp, c.scenario.layout.ep, c.scenario.cluster.nodes,
                                  c.global_batch};
      if (auto it = measured.find(key); it != measured.end()) {
        std::vector<std::string> row = it->second;
        row.front() = c.what;
        table.add_row(std::move(row));
        continue;
      }
      std::fprintf(stderr, "bench: %s ...\n", c.what.c_str());
      double peak_rss_bytes = 0;
      const auto start = std::chrono::steady_clock::now();
      const std::vector<double> r = run_in_child(
          [&] {
            sim::StepGraphOptions graph_options;
            graph_options.fidelity = c.fidelity;
            const sim::StepSimulation step = sim::simulate_step(sim::PricedScenario(c.scenario), c.global_batch, graph_options);
            return std::vector<double>{static_cast<double>(step.computing_gpus), static_cast<double>(step.simulated_gpus),
                                       static_cast<double>(step.activities), step.step.step_time_s};
          },
          &peak_rss_bytes);
      const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::vector<std::string> row{c.what, fmt::format("{:.0f}", r[0]), fmt::format("{:.0f}", r[1]),
                                   fmt::format("{:.0f}", r[2]), fmt::format("{:.2f} s", wall_s),
                                   fmt::format("{:.0f}", r[2] / wall_s), fmt::format("{:.0f} MB", peak_rss_bytes / 1e6),
                                   fmt::format("{:.3f} s", r[3])};
      measured.emplace(key, row);
      table.add_row(std::move(row));
    }
    emit(fmt::format("trainsim bench: {} (each case in a child process; wall includes building the graph; hosts: "
                     "the computing GPUs and the peers their flows reach; a case that repeats another shows its "
                     "run)\n\n{}",
                     path, table.render("  ")),
         options->output);
  });
}

}  // namespace trainsim::cli
