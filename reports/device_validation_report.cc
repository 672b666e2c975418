// Writing `trainsim validate`'s comparison (see device_validation_report.h).
#include "reports/device_validation_report.h"

#include <fmt/format.h>

#include <cmath>

namespace trainsim::reports {
namespace {

std::string ms(double seconds) { return fmt::format("{:.2f}", seconds * 1e3); }

std::string verdict(const PartComparison& part, double goal) {
  return std::abs(part.error()) <= goal ? "within" : "misses";
}

std::string row(const PartComparison& part, double goal) {
  return fmt::format("| {} | {} | {} | {:+.1f}% | {} |\n", part.name, ms(part.predicted_s), ms(part.measured_s),
                     100 * part.error(), verdict(part, goal));
}

}  // namespace

std::string format_device_validation_report(const DeviceValidation& v) {
  std::string out = fmt::format(
      "# The reduced DeepSeek-V3 on {}: predicted, then measured\n\n"
      "Made by `{}` on {} (issue 19's loop; kernels/model/NOTES.md). In one process: a warm-up training step, then "
      "{} rounds, each timing every kernel call of the scenario's step one call at a time ({} calls: each kernel "
      "shape, a memory-bound one once per op it stands for, and the optimizer step; `kernels/calibration/"
      "host_calibration.h`; a round's time the median of {} means of {} back-to-back calls) and then training the "
      "model for {} steps with every op timed (`kernels/model/op_timer.h`, steady_clock), so that both halves share "
      "the machine's load. Predicted: the simulator's step on a calibration of each call's median round, every op "
      "priced by the point of its own kernel shape (`hardware/measured_points.h`). Measured: the median over the "
      "{} steps.\n\n"
      "- scenario: `{}`\n- device: {}\n- model: {}\n- validation loss: {:.4f} -> {:.4f} nats over the steps\n\n",
      v.device, v.command_line, v.date, v.rounds, v.shapes_timed, v.samples, v.batch,
      v.rounds > 0 ? v.steps_read / v.rounds : 0, v.steps_read, v.scenario, v.device, v.model,
      v.initial_validation_loss, v.final_validation_loss);
  out += fmt::format("## The step (goal: within {:.0f}%)\n\n", 100 * kStepGoal);
  out += "| part | predicted, ms | measured, ms | error | goal |\n| --- | ---: | ---: | ---: | --- |\n";
  out += row(v.compute, kStepGoal);
  out += row(v.optimizer, kKindGoal);
  out += fmt::format("| outside every timed op | 0.00 | {} | | |\n", ms(v.measured_untimed_s));
  out += row(v.step, kStepGoal);
  out += fmt::format("\n## Compute by op kind (goal: each within {:.0f}%)\n\n", 100 * kKindGoal);
  out += "| kind | predicted, ms | measured, ms | error | goal |\n| --- | ---: | ---: | ---: | --- |\n";
  int misses = 0;
  for (const PartComparison& kind : v.kinds) {
    out += row(kind, kKindGoal);
    misses += std::abs(kind.error()) > kKindGoal;
  }
  out += "\n## What the figures say\n\n";
  out += fmt::format(
      "- The step is {} the goal ({:+.1f}%); {} of {} op kinds miss theirs.\n", verdict(v.step, kStepGoal),
      100 * v.step.error(), misses, v.kinds.size());
  out += fmt::format(
      "- The simulator has no term for the measured time outside every timed op ({} ms, {:.1f}% of the step: the "
      "training loop's own work between ops); it counts toward the step's error.\n",
      ms(v.measured_untimed_s), v.step.measured_s > 0 ? 100 * v.measured_untimed_s / v.step.measured_s : 0.0);
  out += fmt::format(
      "- The optimizer: the simulator's term covers {:.0f} parameters, the model's optimizer updates {:.0f}; the "
      "term is priced at the measured optimizer step's time per byte.\n",
      v.simulator_parameters, v.model_parameters);
  out +=
      "- Each kernel shape was timed alone, back to back on warm buffers; in the step it runs between other ops, "
      "on buffers they left. Where a kind misses, that and the machine's other load (this report's times are one "
      "run's) are the first suspects; kernels/model/NOTES.md keeps the readings and what each gap was traced to.\n";
  return out;
}

std::string format_device_validation_summary(const DeviceValidation& v) {
  std::string out = fmt::format("{}: step predicted {} ms, measured {} ms ({:+.1f}%, goal {:.0f}%)\n", v.device,
                                ms(v.step.predicted_s), ms(v.step.measured_s), 100 * v.step.error(), 100 * kStepGoal);
  for (const PartComparison& kind : v.kinds)
    out += fmt::format("  {:<18} {:>9} ms predicted {:>9} ms measured {:+7.1f}%\n", kind.name, ms(kind.predicted_s),
                       ms(kind.measured_s), 100 * kind.error());
  out += fmt::format("  {:<18} {:>9} ms predicted {:>9} ms measured {:+7.1f}%\n", "optimizer",
                     ms(v.optimizer.predicted_s), ms(v.optimizer.measured_s), 100 * v.optimizer.error());
  return out;
}

}  // namespace trainsim::reports
