// The op timings of op_timer.h as JSON, written by hand (kernels/ has no JSON library): per-step sums per op kind
// (the simulator's step.compute_by_op_kind_s keys, docs/run-json.md) and a Chrome trace of one step.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/model/op_timer.h"

namespace trainsim::kernels::model {

// What a timings file was measured on, so that a reader can hold it to the scenario it compares it with.
struct TimingsRun {
  std::string config;     // the model's config.json, as given
  std::string precision;  // the GEMMs': fp64, bf16 or fp8
  std::string backend;    // the back-end's name: "cpu", "cuda"
  int sequences = 0;      // per step
  int length = 0;         // tokens per sequence the model predicts (it reads length + 1)
  // Device times taken with each call's kernels queued behind a stream hold (kernels/common/stream_hold.cuh), so
  // that their launches lie outside them; runs before 2026-12-04's hold timed the first launch too.
  bool launches_held = false;
  // The memory-bound ops of the norm/element-wise and permute kinds ran on the device too (the CUDA back-end since
  // 2026-12-05: memory_bound_kernels.cuh), so those kinds' device times are their whole ops'.
  bool memory_bound_on_device = false;
  // The embedding's lookup and scatter-add, the final norms and the loss ran on the device too (the CUDA back-end
  // since 2026-12-05, later: embedding_and_loss_kernels.cuh), so the embedding_head kind's device time is its whole
  // ops' but the MTP's row selection and the loss gradient's scaling.
  bool embedding_and_loss_on_device = false;
  // AdamW's step and the gradients' zeroing ran on the device too (optimizer_kernels.cuh), so the optimizer kind's
  // device time is theirs.
  bool optimizer_on_device = false;
  // The routing (the top-k choice with its gates, the experts' layout, the gates' gradient, the balance loss) ran on
  // the device too (routing_kernels.cuh), so the router kind's device time is its whole ops'.
  bool routing_on_device = false;
};

// {"clock": ..., "run": {"config", "precision", "backend", "sequences", "length", "launches_held",
//   "memory_bound_on_device", "embedding_and_loss_on_device", "optimizer_on_device", "routing_on_device"}, "steps":
//   [{"step", "wall_s", "compute_s", "optimizer_s", "untimed_s",
//   "compute_by_op_kind_s": {the nine compute kinds, zeros included}, "flops_by_op_kind": {the same keys},
//   "device_by_op_kind_s": {the ten kinds, the optimizer's too}, "device_weight_casts_s", "device_untimed_s",
//   "device_calls_past_hold"}]}; device_calls_past_hold counts the step's calls whose device times hold host time
//   (op_timer.h's count_call_past_hold).
// compute_s sums the nine kinds; untimed_s = wall_s - compute_s - optimizer_s (the glue between ops: cache copies,
// loops, allocation); flops_by_op_kind the kinds' matrix FLOPs (op_timer.h's count_flops: GEMMs and the attention
// core; 0 for kinds without), so that a kind's time reads as a rate; device_by_op_kind_s what the ops' device
// kernels took by the device's clock (op_timer.h's count_device_time; all 0 on the CPU back-end: an FP8 GEMM's
// activation casts in quantize, its weights' casts apart in device_weight_casts_s, op_timer.h's DeviceWork), and
// device_untimed_s the device time measured outside every op. In the trace, an op with device time carries it as
// args.device_us (casts included), and the casts' parts as args.activation_casts_us and args.weight_casts_us.
// `expert_rows`, when given (one per step): each step's rows per routed expert, [MoE block][expert]
// (corpus_training.h's TrainingStepRecord::expert_rows), written as the step's "expert_rows".
std::string op_timings_json(const TimingsRun& run, const std::vector<StepTiming>& steps,
                            const std::vector<std::vector<std::vector<std::int64_t>>>& expert_rows = {});

// One step in the Chrome trace format of the simulator's traces (reports/timeline_trace.cc): {"displayTimeUnit":
// "ms", "traceEvents": [...]}, process and thread names, then one complete event per op: "ph": "X", "ts" and "dur"
// in microseconds (nanosecond digits), "name" the op, "cat" its kind, "args" {"layer", "pass"}; pid 0, tid 0.
std::string op_trace_json(const StepTiming& step, int step_index);

// Writes `text` to path + ".tmp", then renames it over `path`; std::runtime_error naming the path on failure.
void write_text_atomically(const std::string& path, const std::string& text);

}  // namespace trainsim::kernels::model
