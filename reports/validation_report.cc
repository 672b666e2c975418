// Markdown and terminal forms of a published validation (validation_report.h).
#include "reports/validation_report.h"

#include <fmt/format.h>

#include <set>

#include "sim/step/step_graph.h"

namespace trainsim::reports {
namespace {

std::string layout_text(const sim::ParallelLayout& l) {
  return fmt::format("TP {}{} PP {}{} DP {}, mb {}", l.tp, l.sequence_parallel ? "+SP" : "", l.pp,
                     l.virtual_stages > 1 ? fmt::format(" (v={})", l.virtual_stages) : "", l.dp, l.micro_batch_size);
}

std::string signed_percent(double fraction) { return fmt::format("{:+.1f}%", 100 * fraction); }

double exposed(const sim::StepEstimate& step, const char* kind) {
  const auto it = step.exposed_comm_by_kind_s.find(kind);
  return it == step.exposed_comm_by_kind_s.end() ? 0 : it->second;
}

}  // namespace

std::string format_validation_report(const sim::PublishedValidation& v, const std::string& command) {
  std::string out = fmt::format("# trainsim against {}\n\n", v.set.title);
  out += fmt::format("Measured: {}{}. ", v.set.source, v.set.url.empty() ? "" : fmt::format(" ({})", v.set.url));
  if (!v.set.description.empty()) out += v.set.description + " ";
  out += fmt::format("Predicted: each run's scenario at {} fidelity, as `trainsim run` prices it; no factor is fitted "
                     "per run or per set.\n\n", sim::fidelity_name(v.fidelity));
  out += fmt::format("Regenerate: `{}`\n\n", command);
  out += "A negative error is trainsim optimistic (faster than measured).\n\n";
  out += "| run | GPUs | layout | measured, s | predicted, s | error | compute, s | bubble, s | exposed TP, s | "
         "exposed PP, s | exposed DP, s | optimizer, s |\n";
  out += "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n";
  for (const sim::ValidatedRun& run : v.runs) {
    const sim::StepEstimate& step = run.predicted.step;
    out += fmt::format("| {} | {} | {} | {:.2f} | {:.2f} | {} | {:.2f} | {:.2f} | {:.2f} | {:.2f} | {:.2f} | {:.3f} |\n",
                       run.measured.name, run.scenario.cluster.gpu_count(), layout_text(run.scenario.layout),
                       run.measured.step_time_s, step.step_time_s, signed_percent(run.relative_error()), step.compute_s,
                       step.bubble_s, exposed(step, "tp"), exposed(step, "pp"), exposed(step, "dp"), step.optimizer_s);
  }
  out += fmt::format("\nOver {} runs: mean |error| {:.1f}%, largest |error| {:.1f}%, mean signed error {}.", v.runs.size(),
                     100 * v.mean_abs_error(), 100 * v.max_abs_error(), signed_percent(v.mean_signed_error()));
  if (v.set.goal_mean_abs_error > 0)
    out += fmt::format(" Goal: mean |error| at most {:.1f}%: {}.", 100 * v.set.goal_mean_abs_error,
                       v.meets_goal() ? "met" : "**not met**");
  out += "\n\n## What priced the ops\n\n";
  std::set<std::string> calibrations;
  for (const sim::ValidatedRun& run : v.runs) calibrations.insert(run.calibration);
  for (const std::string& c : calibrations) out += fmt::format("- calibration: {}\n", c);
  out += "\n## Runs\n\n";
  for (const sim::ValidatedRun& run : v.runs)
    out += fmt::format("- **{}**: `{}`; measured {:.2f} s{}\n", run.measured.name, run.measured.scenario_path,
                       run.measured.step_time_s, run.measured.note.empty() ? "" : " (" + run.measured.note + ")");
  out += "\n## Notes of the first run\n\n";
  if (!v.runs.empty())
    for (const std::string& note : v.runs.front().predicted.notes) out += "- " + note + "\n";
  return out;
}

std::string format_validation_summary(const sim::PublishedValidation& v) {
  std::string out = fmt::format("{} ({} fidelity)\n", v.set.title, sim::fidelity_name(v.fidelity));
  for (const sim::ValidatedRun& run : v.runs)
    out += fmt::format("  {:<16} measured {:8.2f} s  predicted {:8.2f} s  {:>7}\n", run.measured.name,
                       run.measured.step_time_s, run.predicted.step.step_time_s, signed_percent(run.relative_error()));
  out += fmt::format("mean |error| {:.1f}%, largest {:.1f}%", 100 * v.mean_abs_error(), 100 * v.max_abs_error());
  if (v.set.goal_mean_abs_error > 0)
    out += fmt::format("; goal {:.1f}%: {}", 100 * v.set.goal_mean_abs_error, v.meets_goal() ? "met" : "not met");
  return out + "\n";
}

}  // namespace trainsim::reports
