// Writing `trainsim validate --device-timings`'s comparison (see device_kernel_validation_report.h).
#include "reports/device_kernel_validation_report.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <string>
#include <vector>

namespace trainsim::reports {
namespace {

// Kernel times of a reduced model are tens of microseconds: three decimals of a millisecond.
std::string kernel_ms(double seconds) { return fmt::format("{:.3f}", seconds * 1e3); }

// "a", "a and b", "a, b and c".
std::string in_words(const std::vector<std::string>& items) {
  if (items.size() < 2) return items.empty() ? std::string() : items[0];
  return fmt::format("{} and {}", fmt::join(items.begin(), items.end() - 1, ", "), items.back());
}

// What ran on the device (the GEMMs and the attention core, then what the timings' keys add), the kinds whose every op
// those additions make up, and what still ran on the host.
struct OnTheDevice {
  std::vector<std::string> ran, whole_kinds, on_the_host;
};
OnTheDevice on_the_device(const DeviceKernelValidation& v) {
  OnTheDevice d;
  d.ran.push_back(v.fp8 ? "GEMMs, their FP8 casts and attention core" : "GEMMs and attention core");
  if (v.memory_bound_on_device) {
    d.ran.push_back("norms, element-wise ops and permutes");
    d.whole_kinds.insert(d.whole_kinds.end(), {"norm_elementwise", "permute"});
  }
  if (v.embedding_and_loss_on_device) {
    d.ran.push_back("embedding and loss");
    d.whole_kinds.push_back("embedding_head");
  } else {
    d.on_the_host.insert(d.on_the_host.end(), {"embedding", "loss"});
  }
  if (v.routing_on_device) {
    d.ran.push_back("routing");
    d.whole_kinds.push_back("router");
  } else {
    d.on_the_host.insert(d.on_the_host.begin(), "routing");
  }
  if (v.optimizer_on_device)
    d.ran.push_back("optimizer");
  else
    d.on_the_host.push_back("optimizer");
  return d;
}

}  // namespace

std::string format_device_kernel_validation_report(const DeviceKernelValidation& v) {
  const OnTheDevice device = on_the_device(v);
  const std::vector<std::string>&whole_kinds = device.whole_kinds, &on_the_host = device.on_the_host;
  const std::string ran = fmt::format("{}", fmt::join(device.ran, ", "));
  const std::string ops =
      fmt::format("{}{}", v.fp8 ? "GEMM, FP8 cast and attention ops" : "GEMM and attention ops",
                  whole_kinds.empty() ? std::string()
                                      : fmt::format(" (in the {} kind{}, every op)", in_words(whole_kinds),
                                                    whole_kinds.size() > 1 ? "s" : ""));
  const std::string host_work = !v.memory_bound_on_device ? "other ops still run"
                                : on_the_host.empty()
                                    ? "experts' bias update is still computed"
                                    : fmt::format("{} still run{}", in_words(on_the_host),
                                                  on_the_host.size() > 1 ? "" : "s");
  std::string out = fmt::format(
      "# The reduced DeepSeek-V3's {} on {}: predicted, then measured\n\n"
      "Made by `{}` (issue 19's loop on a GPU; kernels/model/NOTES.md, \"The CUDA back-end\"). The model trained "
      "through its CUDA back-end, which runs its {} on the GPU and times their kernels there "
      "(CUDA events around each call's kernels, the copies in and out left out), while its {} on the "
      "host; so {}.\n\n"
      "**Predicted**: the scenario's {} of the kind, every layer of its one device, priced by {}. "
      "**Measured**: the kind's kernels' device time in a training step. Each of the {} steps read (the first timed "
      "step warms the device up and is left out) is set beside its own prediction, and each kind's row is the step "
      "whose error is the median of the steps'.\n\n"
      "- scenario: `{}`\n- device: {}\n- model: {}\n- timings: `{}`\n\n",
      ran, v.device, v.command_line, ran, host_work,
      v.device_step ? "the kernels are compared per compute kind, and the step as its kernels' device time, not its "
                      "wall time, which holds every tensor's trips through the host"
                    : "only those kernels are compared, per compute kind, and not the step",
      ops, v.pricing, v.steps_read,
      v.scenario, v.device, v.model, v.timings_file);
  out += fmt::format(
      "## The kinds' kernels (goal: each within {:.0f}%)\n\n"
      "| kind | predicted, ms | measured, ms | error | goal |\n| --- | ---: | ---: | ---: | --- |\n",
      100 * kKindGoal);
  int misses = 0;
  for (const PartComparison& kind : v.kinds) {
    out += fmt::format("| {} | {} | {} | {:+.1f}% | {} |\n", kind.name, kernel_ms(kind.predicted_s),
                       kernel_ms(kind.measured_s),
                       100 * kind.error(), kind.within(kKindGoal) ? "within" : "misses");
    misses += !kind.within(kKindGoal);
  }
  if (v.device_step)
    out += fmt::format(
        "\n## The step's device work (goal: within {:.0f}%)\n\n"
        "| part | predicted, ms | measured, ms | error | goal |\n| --- | ---: | ---: | ---: | --- |\n"
        "| step | {} | {} | {:+.1f}% | {} |\n",
        100 * kStepGoal, kernel_ms(v.device_step->predicted_s), kernel_ms(v.device_step->measured_s),
        100 * v.device_step->error(), v.device_step->within(kStepGoal) ? "within" : "misses");
  out += "\n## What the figures say\n\n";
  out += fmt::format("- {} of {} kinds miss their goal.\n", misses, v.kinds.size());
  if (v.device_step)
    out += "- The step's device work: every kind's kernels with an FP8 run's weight casts, against every op of the "
           "scenario's step with its optimizer term, in the same steps as the kinds. A device-resident run's step "
           "would add the GPU's idle time between kernels (the launches its host issues), which neither column "
           "holds.\n";
  if (!v.roofline_kinds.empty())
    out += fmt::format(
        "- Priced by the datasheet roofline, not by a measurement: {}. The calibration has no points of those "
        "kernel families, so these predictions test the roofline, not the kernels.\n",
        fmt::join(v.roofline_kinds, "; "));
  if (!v.loose_fit_kinds.empty())
    out += fmt::format(
        "- Priced by fits that miss their own points (rms over the calibration's points of each family): {}. A "
        "kind's prediction is no closer to its kernels than that; the fits' models are in hardware/ "
        "(gemm_time_model.h, attention_time_model.h).\n",
        fmt::join(v.loose_fit_kinds, "; "));
  if (!v.fp64_kinds.empty())
    out += fmt::format(
        "- {}: the model runs its output head and its router's gate at FP64 (kernels/model's kOriginalPrecision, "
        "cuBLASLt's FP64 GEMM on the GPU), which the catalog prices as the BF16 GEMMs DeepSeek-V3 runs; their error "
        "is that difference, not the simulator's.\n",
        fmt::join(v.fp64_kinds, ", "));
  for (const PartComparison& kind : v.kinds)
    if (kind.name == "expert_gemm")
      out += v.experts_at_their_rows
                 ? "- expert_gemm: priced as the model runs its experts, each routed expert's GEMMs as calls of their "
                   "own (one GEMM kernel each) at the rows its router gave it in that step; "
                   "DeepSeek-V3's step runs one grouped GEMM per op.\n"
                 : "- expert_gemm: the model runs each routed expert's GEMMs as calls of their own (one GEMM kernel "
                   "per expert with rows, its router's uneven rows), where the catalog prices one grouped GEMM per op "
                   "at the balanced share (DeepSeek-V3's kernel); its error holds both (the timings gave no "
                   "routing).\n";
  if (v.memory_bound_on_device)
    out += "- permute, norm_elementwise: the model runs each routed expert's gather, SwiGLU and gated combine (and "
           "their backwards) as kernels of their own, one launch per expert with rows, where the catalog prices one "
           "op per layer for all experts (DeepSeek-V3's fused kernels); its norm, residual and gradient-sum kernels "
           "are "
           "one a catalog op, as the catalog's (kernels/model/memory_bound_kernels.cuh). Their error holds the "
           "difference in launches.\n";
  if (v.embedding_and_loss_on_device)
    out += "- embedding_head: the model's loss kernel writes the logits' gradient in the forward pass, on FP64 logits "
           "(the head's precision), where the catalog prices a BF16 loss and its backward apart; its lookups and "
           "scatter-adds are one launch a call, as the catalog's; the MTP module's row selection and the scaling of "
           "its loss's gradient run on the host and are in neither column "
           "(kernels/model/embedding_and_loss_kernels.cuh).\n";
  if (v.routing_on_device)
    out += "- router: the model routes in FP64 (its gate at kOriginalPrecision; its top-k, the experts' layout, the "
           "gates' gradient and the balance loss in FP64 kernels, the balance loss's gradient in its forward kernel, "
           "where the catalog prices the balance loss's backward apart and counts the layout in moe.topk) "
           "(kernels/model/routing_kernels.cuh).\n";
  if (v.optimizer_on_device)
    out += "- optimizer: the model's AdamW (FP32 master weights and gradients, BF16 moments) in a launch per weight "
           "decay (the decayed weights, the undecayed gains) and its gradients' zeroing in one, against the step's "
           "optimizer term, which prices one pass over AdamW's bytes and one over the gradient buffer's; its "
           "prediction is the same every step (kernels/model/optimizer_kernels.cuh).\n";
  if (v.fp8) {
    out += "- quantize: the FP8 casts of the GEMMs' activations and their gradients, which the model runs on the GPU "
           "inside each FP8 GEMM call and times apart from the GEMM (kernels/model/op_timer.h's DeviceWork), against "
           "the catalog's quantize ops (quant_x, quant_dy, requant_x_t). Three differences of the model's are in its "
           "error: its casts read FP32 operands (4 bytes a value) where DeepSeek-V3's read BF16 (2); it casts dY "
           "once for Dgrad and again for Wgrad, where quant_dy writes both layouts in one pass; and it casts each "
           "routed expert's rows in a call of its own.\n";
    out += fmt::format(
        "- Weight casts: the model casts each weight into its 128x128 blocks at every FP8 GEMM call, {} ms a step "
        "(the median), which no kind above holds: the catalog casts no weight per call, as DeepSeek-V3's blocks "
        "serve every call of a step (models/layer_builder.h).\n",
        kernel_ms(v.weight_casts_s));
  }
  if (v.steps_left_out > 0)
    out += fmt::format("- {} of the {} steps read had calls queued for longer than their stream hold, whose device "
                       "times hold host time (kernels/model/op_timer.h's count_call_past_hold): they are left out, "
                       "and the rows are of the other {}.\n",
                       v.steps_left_out, v.steps_read, v.steps_read - v.steps_left_out);
  if (v.every_step_spoiled)
    out += "- Every step read had calls queued for longer than their stream hold, whose device times hold host time "
           "(kernels/model/op_timer.h's count_call_past_hold): the rows are upper bounds.\n";
  out += v.launches_held
             ? "- Each call's kernels were queued behind a stream hold (kernels/common/stream_hold.cuh) before their "
               "time began, so the measured times are the device's work alone, as the calibration's points are.\n"
             : "- Each call's time includes its first kernel's launch on an otherwise idle stream: the model waits "
               "for every call's result on the host, and this run's timer had no stream hold (its device times "
               "predate kernels/common/stream_hold.cuh), so no launch hides behind another kernel as it would in a "
               "step that stays on the GPU. An FP8 call's casts run first and hold that launch, its GEMM does not.\n";
  return out;
}

std::string format_device_kernel_validation_summary(const DeviceKernelValidation& v) {
  const OnTheDevice device = on_the_device(v);
  std::string out =
      device.ran.size() > 1
          ? fmt::format("{}: the kernels of its {}, {} steps read\n", v.device, fmt::join(device.ran, ", "),
                        v.steps_read)
          : fmt::format("{}: the {} kernels, {} steps read\n", v.device,
                        v.fp8 ? "GEMMs', their FP8 casts' and attention core's" : "GEMMs' and attention core's",
                        v.steps_read);
  auto line = [&](const std::string& name, const PartComparison& part) {
    out += fmt::format("  {:<18} {:>9} ms predicted {:>9} ms measured {:+7.1f}%\n", name, kernel_ms(part.predicted_s),
                       kernel_ms(part.measured_s), 100 * part.error());
  };
  for (const PartComparison& kind : v.kinds) line(kind.name, kind);
  if (v.device_step) line("step (device work)", *v.device_step);
  return out;
}

}  // namespace trainsim::reports
