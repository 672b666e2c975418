// The report of `trainsim validate --device-timings` (issue 19's loop on a GPU, as far as the reduced model runs
// there): per compute kind, the simulator's prices of the kind's GEMM and attention ops (with FP8 GEMMs, the
// activations' casts too) beside their kernels' device time measured inside the model's training steps, with the
// error and the kind's goal (10%).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "reports/device_validation_report.h"

namespace trainsim::reports {

struct DeviceKernelValidation {
  std::string scenario;       // the scenario file, as given
  std::string command_line;   // the command that made the report
  std::string device;         // the scenario's GPU
  std::string model;          // "reduced-deepseek-v3-gpu.json, 2 x 48 tokens a step, BF16 GEMMs"
  std::string pricing;        // what priced the ops: the calibration file, or the datasheet roofline
  std::string timings_file;   // the measured run's timings
  int steps_read = 0;         // timed steps read (the first left out)
  // Of those, the steps with calls queued past their stream hold (their times hold host time), left out of the
  // comparison; unless every step was, when none is left out and every_step_spoiled is set.
  int steps_left_out = 0;
  bool every_step_spoiled = false;
  // Per kind: predicted = the kind's GEMM and attention ops as priced; measured = their kernels' device time
  // (the step of median error among the steps read); predicted_cold_s is unused (0).
  std::vector<PartComparison> kinds;
  // Kinds whose measured kernels the catalog prices at another precision: the model keeps its output head and its
  // router's gate at FP64 (kernels/model's kOriginalPrecision), which the catalog prices as BF16 GEMMs.
  std::vector<std::string> fp64_kinds;
  // Kinds with ops whose kernel family the calibration has no fit of, so that the datasheet roofline priced them:
  // "attention_core (attention_backward, attention_forward)".
  std::vector<std::string> roofline_kinds;
  // Per kind, the fits that priced its ops with how far each misses its own points (rms), where one misses by more
  // than a fifth of the kinds' goal: a prediction cannot be closer to the kernels than its fit is to their points.
  // "attention_core (attention_forward 21.0%, attention_backward 11.1%)".
  std::vector<std::string> loose_fit_kinds;
  // Whether each step read was priced at its own routing, each routed expert's GEMMs as calls of their own at its
  // rows (the timings gave each step's routing), or the catalog's grouped GEMMs at the balanced share.
  bool experts_at_their_rows = false;
  // FP8 GEMMs: the quantize kind holds the model's activation casts against the catalog's quantize ops, and
  // weight_casts_s (the median per step read) the weights' casts, which the catalog does not run per GEMM call.
  bool fp8 = false;
  bool launches_held = false;  // the measured times leave each call's launches out (a stream hold queued them)
  // The norm/element-wise and permute kinds' ops ran on the device too, and are compared with the rest.
  bool memory_bound_on_device = false;
  // The embedding_head kind's ops (lookups, scatter-adds, final norms, losses) ran on the device too.
  bool embedding_and_loss_on_device = false;
  // AdamW and the gradients' zeroing ran on the device, compared as the optimizer kind with the step's optimizer term.
  bool optimizer_on_device = false;
  // The router kind's ops (top-k, its gradient, the balance loss) ran on the device too.
  bool routing_on_device = false;
  double weight_casts_s = 0;
  // Where every op of the step ran on the device (the four flags above): the step's device work, predicted = every
  // kind's prediction with the optimizer's, measured = every kind's kernels with the FP8 weight casts (the step of
  // median error among those compared). Not the step's wall time: the tensors still travel through the host.
  std::optional<PartComparison> device_step;
};

std::string format_device_kernel_validation_report(const DeviceKernelValidation& validation);  // Markdown
std::string format_device_kernel_validation_summary(const DeviceKernelValidation& validation);  // terminal lines

}  // namespace trainsim::reports
