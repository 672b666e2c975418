// `trainsim plan SCENARIO [--objective cost|days|mfu]`: the layouts the scenario's model and cluster could run
// with, ranked (sim/cost/layout_search.h), beside the scenario's own, with why the best one wins.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/progress_line.h"
#include "reports/text_table.h"
#include "sim/cost/layout_search.h"
#include "sim/scenario/scenario_loader.h"

namespace trainsim::cli {
namespace {

std::string seconds(double s) { return s > 0 ? fmt::format("{:.3f} s", s) : "-"; }

std::string why(const sim::PlanCandidate& best, const sim::PlanCandidate& current) {
  return fmt::format("  why: against the scenario's layout (closed form) compute {:+.3f} s, bubble {:+.3f} s, exposed "
                     "communication {:+.3f} s, memory {:.1f} GiB per GPU instead of {:.1f}\n",
                     best.compute_s - current.compute_s, best.bubble_s - current.bubble_s,
                     best.exposed_comm_s - current.exposed_comm_s, best.memory_gib, current.memory_gib);
}

}  // namespace

void add_plan_command(CLI::App& app) {
  struct Options {
    std::string scenario;
    std::vector<std::string> set;
    std::string objective = "cost";
    int keep = 5;
    std::string rerank = "stage";
    std::string output;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = app.add_subcommand(
      "plan", "Search the layouts for the scenario's model and cluster (pp, schedule, virtual stages, tp with sequence "
              "parallelism, ep, dp, micro-batch, recompute): pruned by layout rules and memory, ranked by the closed "
              "form, the best re-ranked by the event engine, beside the scenario's own layout");
  command->add_option("scenario", options->scenario, "Scenario YAML file (default: the default scenario)");
  add_set_option(*command, options->set);
  command->add_option("--objective", options->objective, "cost (default), days or mfu: on a fixed cluster and token "
                                                         "budget all three follow the step time; ties break by memory")
      ->check(CLI::IsMember({"cost", "days", "mfu"}));
  command->add_option("--keep", options->keep, "Layouts kept and re-ranked (default 5)")->check(CLI::Range(1, 100));
  command->add_option("--rerank", options->rerank, "stage (default), gpu, or analytic for the closed form alone")
      ->check(CLI::IsMember({"analytic", "stage", "gpu"}));
  command->add_option("-o,--output", options->output, "Write the plan to this file");
  command->callback([options] {
    const std::string path = options->scenario.empty() ? default_scenario_path() : options->scenario;
    const sim::Scenario scenario = sim::load_scenario(path, options->set);
    OutputFiles outputs;
    const OutputFiles::Id text = outputs.plan("-o", options->output);
    sim::PlanRequest request;
    request.objective = options->objective == "days" ? sim::PlanObjective::kDays
                        : options->objective == "mfu" ? sim::PlanObjective::kMfu
                                                      : sim::PlanObjective::kCost;
    request.keep = options->keep;
    request.rerank = sim::fidelity_from_name(options->rerank).value_or(sim::Fidelity::kStage);
    request.progress = fraction_progress("planning");
    const sim::LayoutPlan plan = sim::plan_layouts(scenario, request);
    const int priced = plan.considered - plan.rule_refused;
    std::string out = fmt::format("trainsim plan: {} ({} x {}, {} tokens a step)\n\n", scenario.source,
                                  scenario.cluster.gpu_count(), scenario.cluster.gpu.key,
                                  scenario.job.global_batch_sequences * static_cast<long long>(scenario.job.sequence_length));
    out += fmt::format("  {} layouts: {} refused by layout rules, {} over the GPU's memory, {} fit; the closed form priced "
                       "{} (memory included) in {:.2f} s of one core ({:.0f} a second)\n\n",
                       plan.considered, plan.rule_refused, plan.memory_refused, priced - plan.memory_refused, priced,
                       plan.closed_form_cpu_s, plan.closed_form_cpu_s > 0 ? priced / plan.closed_form_cpu_s : 0.0);
    reports::TextTable table({"#", "layout", "closed form", options->rerank == "analytic" ? "engine: none" : options->rerank, "MFU", "GiB/GPU"},
                             {reports::TextTable::Align::kRight, reports::TextTable::Align::kLeft,
                              reports::TextTable::Align::kRight, reports::TextTable::Align::kRight,
                              reports::TextTable::Align::kRight, reports::TextTable::Align::kRight});
    for (size_t i = 0; i < plan.best.size(); ++i) {
      const sim::PlanCandidate& c = plan.best[i];
      table.add_row({fmt::format("{}", i + 1), sim::layout_text(c.layout), seconds(c.closed_form_step_s),
                     seconds(c.simulated_step_s), fmt::format("{:.1f}%", 100 * c.mfu), fmt::format("{:.1f}", c.memory_gib)});
    }
    const sim::PlanCandidate& current = plan.current;
    table.add_row({"now", sim::layout_text(current.layout), plan.current_fits ? seconds(current.closed_form_step_s) : "does not fit",
                   seconds(current.simulated_step_s), plan.current_fits ? fmt::format("{:.1f}%", 100 * current.mfu) : "-",
                   plan.current_fits ? fmt::format("{:.1f}", current.memory_gib) : "-"});
    out += table.render("  ");
    if (!plan.best.empty() && plan.current_fits) out += "\n" + why(plan.best.front(), current);
    out += "  the search leaves the scenario's attention kernel, TP communication overlap and placement rules as they "
           "are, and tries pp 1-64, "
           "virtual stages 1-8, tp 1-8 (with sequence parallelism), cp 1 and, at long sequences, powers of two "
           "leaving each GPU 4096 tokens or more, ep 1-64 (with and without Megatron-Core's EP overlap where it "
           "runs), micro-batch 1-4, four recompute modes and ZeRO 1-3 (and the scenario's stage and cp)\n";
    outputs.stage(text, out);
    commit_outputs(outputs);
  });
}

}  // namespace trainsim::cli
