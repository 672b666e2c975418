// Markdown and terminal forms of a published validation (validation_report.h).
#include "reports/validation_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "core/units.h"

#include "sim/step/step_graph.h"

namespace trainsim::reports {
namespace {

// "TP 8+SP PP 16 (v=8) DP 64, mb 1"; a schedule other than Megatron's two, and EP and CP degrees above 1, are named:
// "TP 1 PP 16 dualpipe EP 64 DP 128, mb 1"; Megatron-Core's EP overlap as "EP 64+overlap", its alltoall
// dispatcher's rows as "EP 32 per-expert".
std::string layout_text(const sim::ParallelLayout& l) {
  const bool megatrons =
      l.schedule == sim::ScheduleKind::kOneFOneB || l.schedule == sim::ScheduleKind::kInterleaved;
  return fmt::format("TP {}{}{} PP {}{}{}{} DP {}, mb {}", l.tp,
                     l.sequence_parallel ? (l.tp_comm_overlap ? "+SP+overlap" : "+SP") : "",
                     l.cp > 1 ? fmt::format(" CP {}", l.cp) : "", l.pp,
                     megatrons ? "" : fmt::format(" {}", sim::schedule_name(l.schedule)),
                     l.virtual_stages > 1 ? fmt::format(" (v={})", l.virtual_stages) : "",
                     l.ep > 1 ? fmt::format(" EP {}{}{}", l.ep, l.ep_overlap ? "+overlap" : "",
                                            l.ep_dispatch == models::EpDispatch::kPerExpert ? " per-expert" : "")
                              : "",
                     l.dp, l.micro_batch_size);
}

std::string signed_percent(double fraction) { return fmt::format("{:+.1f}%", 100 * fraction); }

double exposed(const sim::StepEstimate& step, const char* kind) {
  const auto it = step.exposed_comm_by_kind_s.find(kind);
  return it == step.exposed_comm_by_kind_s.end() ? 0 : it->second;
}

// How a figure other than a step time became one: ": 430 TFLOP/s per GPU over trainsim's ... FLOPs a step, ...".
std::string measured_figure_text(const sim::ValidatedRun& run) {
  const sim::Scenario& s = run.scenario;
  switch (run.measured.figure) {
    case sim::MeasuredFigure::kStepTime: return "";
    case sim::MeasuredFigure::kFlopsPerGpu:
      return fmt::format(": {} over trainsim's {:.4g} FLOPs a step, the publication's own count not given",
                         run.measured.figure_text(), run.predicted.step.model_flops_per_step);
    case sim::MeasuredFigure::kGpuHoursPerTrillionTokens:
    case sim::MeasuredFigure::kTokensPerGpu:
      return fmt::format(": {} at {} tokens a step on {} GPUs", run.measured.figure_text(),
                         format_quantity(s.job.tokens_per_step(), Dimension::kCount),
                         s.cluster.gpu_count());
  }
  return "";
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
  // Context parallelism's column only where a run has it.
  const bool any_cp = std::any_of(v.runs.begin(), v.runs.end(),
                                  [](const sim::ValidatedRun& run) { return run.scenario.layout.cp > 1; });
  out += fmt::format("| run | GPUs | layout | measured, s | predicted, s | error | compute, s | bubble, s | exposed TP, s | "
                     "{}exposed EP, s | exposed PP, s | exposed DP, s | optimizer, s |\n",
                     any_cp ? "exposed CP, s | " : "");
  out += fmt::format("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | {}---: | ---: | ---: | ---: |\n",
                     any_cp ? "---: | " : "");
  for (const sim::ValidatedRun& run : v.runs) {
    const sim::StepEstimate& step = run.predicted.step;
    out += fmt::format("| {} | {} | {} | {:.2f} | {:.2f} | {} | {:.2f} | {:.2f} | {:.2f} | {}{:.2f} | {:.2f} | {:.2f} | "
                       "{:.3f} |\n",
                       run.measured.name, run.scenario.cluster.gpu_count(), layout_text(run.scenario.layout),
                       run.measured_step_s(), step.step_time_s, signed_percent(run.relative_error()), step.compute_s,
                       step.bubble_s, exposed(step, "tp"), any_cp ? fmt::format("{:.2f} | ", exposed(step, "cp")) : "",
                       exposed(step, "ep"), exposed(step, "pp"), exposed(step, "dp"), step.optimizer_s);
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
    out += fmt::format("- **{}**: `{}`; measured {:.2f} s{}{}\n", run.measured.name, run.measured.scenario_path,
                       run.measured_step_s(), measured_figure_text(run),
                       run.measured.note.empty() ? "" : fmt::format(" ({})", run.measured.note));
  out += "\n## Notes of the first run\n\n";
  if (!v.runs.empty())
    for (const std::string& note : v.runs.front().predicted.notes) out += "- " + note + "\n";
  return out;
}

std::string format_validation_summary(const sim::PublishedValidation& v) {
  std::string out = fmt::format("{} ({} fidelity)\n", v.set.title, sim::fidelity_name(v.fidelity));
  std::size_t width = 16;  // the names' column: the longest name's
  for (const sim::ValidatedRun& run : v.runs) width = std::max(width, run.measured.name.size());
  for (const sim::ValidatedRun& run : v.runs)
    out += fmt::format("  {:<{}} measured {:8.2f} s  predicted {:8.2f} s  {:>7}\n", run.measured.name, width,
                       run.measured_step_s(), run.predicted.step.step_time_s, signed_percent(run.relative_error()));
  out += fmt::format("mean |error| {:.1f}%, largest {:.1f}%", 100 * v.mean_abs_error(), 100 * v.max_abs_error());
  if (v.set.goal_mean_abs_error > 0)
    out += fmt::format("; goal {:.1f}%: {}", 100 * v.set.goal_mean_abs_error, v.meets_goal() ? "met" : "not met");
  return out + "\n";
}

}  // namespace trainsim::reports
