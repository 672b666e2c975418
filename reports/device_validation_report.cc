// Writing `trainsim validate`'s comparison (see device_validation_report.h).
#include "reports/device_validation_report.h"

#include <fmt/format.h>

#include <cmath>

namespace trainsim::reports {
namespace {

std::string ms(double seconds) { return fmt::format("{:.2f}", seconds * 1e3); }

std::string row(const PartComparison& part, double goal) {
  return fmt::format("| {} | {} | {} | {} | {:+.1f}% | {} | {} |\n", part.name, ms(part.predicted_s),
                     ms(part.predicted_cold_s), ms(part.measured_s), 100 * part.error(),
                     part.within(goal) ? "within" : "misses", part.bracketed() ? "yes" : "no");
}

constexpr const char* kHeader =
    "| part | predicted, ms | cold caches, ms | measured, ms | error | goal | measured between |\n"
    "| --- | ---: | ---: | ---: | ---: | --- | --- |\n";

}  // namespace

std::string format_device_validation_report(const DeviceValidation& v) {
  std::string out = fmt::format(
      "# The reduced DeepSeek-V3 on {}: predicted, then measured\n\n"
      "Made by `{}` on {} (issue 19's loop; kernels/model/NOTES.md). In one process, a warm-up training step, then "
      "{} rounds, each timing every kernel call of the scenario's step one call at a time and then training the "
      "model for {} steps with every op timed (`kernels/model/op_timer.h`, steady_clock), so that both halves share "
      "the machine's load. The calls ({}: each kernel shape once per catalog op it stands for, each running the "
      "model's own code for that op, and the optimizer step; `kernels/calibration/host_calibration.h`) are timed "
      "twice a round: on warm caches (a round's time the median of {} means of {} back-to-back calls) and on cold "
      "ones (the median of {} calls, each after the caches are emptied).\n\n"
      "**Predicted**: the simulator's step on the calibration of each call's median warm round, every op priced by "
      "the point of its own kernel shape (`hardware/measured_points.h`), each step read priced at its own routing "
      "(each routed expert's GEMMs at the rows the model's router gave it, one expert a call) and the steps' mean "
      "taken; **cold caches**: the same on the cold calibration, its bound. **Measured**: the median over the {} "
      "steps read. **Measured between**: whether the measurement lies between the two predictions.\n\n"
      "- scenario: `{}`\n- device: {}\n- model: {}\n- validation loss: {:.4f} -> {:.4f} nats over the steps\n\n",
      v.device, v.command_line, v.date, v.rounds, v.rounds > 0 ? v.steps_read / v.rounds : 0, v.shapes_timed,
      v.samples, v.batch, v.cold_samples, v.steps_read, v.scenario, v.device, v.model, v.initial_validation_loss,
      v.final_validation_loss);
  out += fmt::format("## The step (goal: within {:.0f}%)\n\n{}", 100 * kStepGoal, kHeader);
  out += row(v.compute, kStepGoal);
  out += row(v.optimizer, kKindGoal);
  out += fmt::format("| outside every timed op | 0.00 | 0.00 | {} | | | |\n", ms(v.measured_untimed_s));
  out += row(v.step, kStepGoal);
  out += fmt::format("\n## Compute by op kind (goal: each within {:.0f}%)\n\n{}", 100 * kKindGoal, kHeader);
  int misses = 0, bracketed = 0;
  for (const PartComparison& kind : v.kinds) {
    out += row(kind, kKindGoal);
    misses += !kind.within(kKindGoal);
    bracketed += kind.bracketed();
  }
  out += "\n## Forward and backward apart (warm predictions)\n\n"
         "| kind | forward predicted, ms | measured, ms | error | backward predicted, ms | measured, ms | error |\n"
         "| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n";
  for (const PassComparison& k : v.kinds_by_pass)
    out += fmt::format("| {} | {} | {} | {:+.1f}% | {} | {} | {:+.1f}% |\n", k.kind, ms(k.forward.predicted_s),
                       ms(k.forward.measured_s), 100 * k.forward.error(), ms(k.backward.predicted_s),
                       ms(k.backward.measured_s), 100 * k.backward.error());
  out += "\n## What the figures say\n\n";
  out += fmt::format("- The step is {} its goal ({:+.1f}%); {} of {} op kinds miss theirs; {} of {} lie between "
                     "their warm and cold predictions.\n",
                     v.step.within(kStepGoal) ? "within" : "outside", 100 * v.step.error(), misses, v.kinds.size(),
                     bracketed, v.kinds.size());
  out += fmt::format(
      "- Each call is timed alone. In the step an op finds its operands where the ops between left them: neither as "
      "warm as after its own run nor as cold as after an eviction. Where a kind lies between its two predictions, "
      "the catalog and the composition account for it and the gap is the caches' state; where it lies outside, "
      "something the calls do not run is in the step (kernels/model/NOTES.md keeps the readings and what each gap "
      "was traced to).\n");
  out += fmt::format(
      "- The simulator has no term for the measured time outside every timed op ({} ms, {:.1f}% of the step: the "
      "training loop's own work between ops); it counts toward the step's error.\n",
      ms(v.measured_untimed_s), v.step.measured_s > 0 ? 100 * v.measured_untimed_s / v.step.measured_s : 0.0);
  out += fmt::format(
      "- The optimizer: the simulator's term covers {:.0f} parameters, the model's optimizer updates {:.0f}; the "
      "term is priced at the measured optimizer step's time per byte, plus the gradient buffer's zeroing for the "
      "next step at its measured time per byte (the model times it as an op of the optimizer's kind as its "
      "backward begins).\n",
      v.simulator_parameters, v.model_parameters);
  if (!v.balanced_kinds_s.empty()) {
    std::string kinds;
    for (const auto& [name, seconds] : v.balanced_kinds_s)
      kinds += fmt::format("{}{} {} ms", kinds.empty() ? "" : ", ", name, ms(seconds));
    out += fmt::format(
        "- Routing: the model's router gives its experts uneven rows (and some none, which skip their GEMMs). Priced "
        "at the balanced share each instead (`routing: balanced`, what `trainsim run` prices), the warm prediction "
        "is {} ms a step ({}); {} of the {} calls time a routed op at the rows the steps read (an expert's GEMMs one expert a call).\n",
        ms(v.balanced_step_s), kinds, v.routed_calls, v.shapes_timed);
  }
  out += "- A shared machine's load moves every figure from run to run; the times are one run's.\n";
  return out;
}

std::string format_device_validation_summary(const DeviceValidation& v) {
  std::string out = fmt::format(
      "{}: step predicted {} ms (cold caches {} ms), measured {} ms ({:+.1f}%, goal {:.0f}%)\n", v.device,
      ms(v.step.predicted_s), ms(v.step.predicted_cold_s), ms(v.step.measured_s), 100 * v.step.error(),
      100 * kStepGoal);
  for (const PartComparison& part : v.kinds)
    out += fmt::format("  {:<18} {:>9} ms predicted {:>9} ms cold {:>9} ms measured {:+7.1f}%{}\n", part.name,
                       ms(part.predicted_s), ms(part.predicted_cold_s), ms(part.measured_s), 100 * part.error(),
                       part.bracketed() ? "  (between)" : "");
  const PartComparison& o = v.optimizer;
  out += fmt::format("  {:<18} {:>9} ms predicted {:>9} ms cold {:>9} ms measured {:+7.1f}%{}\n", o.name,
                     ms(o.predicted_s), ms(o.predicted_cold_s), ms(o.measured_s), 100 * o.error(),
                     o.bracketed() ? "  (between)" : "");
  return out;
}

}  // namespace trainsim::reports
