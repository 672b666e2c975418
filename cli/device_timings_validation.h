// The GPU's half of `trainsim validate` (issue 19's loop on a GPU), as far as the reduced model runs there today: its
// CUDA back-end runs the GEMMs, the attention core and (since 2026-12-05) the norm/element-wise and permute ops, the
// embedding, the loss, the optimizer and the routing on the GPU and times their kernels there, inside training steps
// whose tensors go through the host between calls (kernels/model/cuda_backend.h; `train_reduced_model_cuda --backend
// cuda --timings FILE`: device_by_op_kind_s).
// Those device times per compute kind beside the simulator's prices of the same ops; the host's ops and the step's
// wall time are not compared.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "models/compute_kind.h"
#include "reports/device_kernel_validation_report.h"
#include "sim/scenario/scenario.h"

namespace trainsim::cli {

// A timings file of the model's op timer (kernels/model/op_timing_json.h), as much of it as the comparison reads.
struct DeviceTimings {
  std::string file;
  std::string config, precision, backend;  // "run": what it was measured on
  int sequences = 0, length = 0;
  bool launches_held = false;  // run.launches_held: each call's launches lie outside its device time (absent: false)
  // run.memory_bound_on_device: the norm/element-wise and permute kinds' ops ran on the device too (absent: false,
  // the CUDA back-end before 2026-12-05 ran them on the host).
  bool memory_bound_on_device = false;
  // run.embedding_and_loss_on_device: the embedding_head kind's ops ran on the device too (absent: false; the CUDA
  // back-end before 2026-12-05, later, ran the lookups, final norms and losses on the host).
  bool embedding_and_loss_on_device = false;
  // run.optimizer_on_device: AdamW and the gradients' zeroing ran on the device (absent: false, on the host), so the
  // optimizer kind is compared with the simulator's optimizer term.
  bool optimizer_on_device = false;
  // run.routing_on_device: the router kind's ops (the top-k choice, its gradient, the balance loss) ran on the device
  // too (absent: false, on the host beside the gate's GEMM).
  bool routing_on_device = false;
  // Per step, in order: each compute kind's device seconds (the simulator's kinds, the optimizer's too).
  std::vector<std::array<double, models::kComputeKindCount>> device_by_kind_s;
  // Per step, the device seconds of an FP8 run's weight casts (device_weight_casts_s; 0 where the file gives none:
  // a BF16 run casts nothing). An activation's casts are in the quantize kind.
  std::vector<double> weight_casts_s;
  // Per step, the rows each routed expert computed, [MoE block][expert]; empty where the file gives none.
  std::vector<std::vector<std::vector<std::int64_t>>> expert_rows;
  // Per step, its calls queued for longer than their stream hold (device_calls_past_hold; 0 where the file gives
  // none): their device times hold host time.
  std::vector<int> calls_past_hold;
};

// Reads FILE; ConfigError naming the file and the key for a malformed file, a missing key, or one without device
// time (a CPU back-end's run).
DeviceTimings load_device_timings(const std::string& file);

// Refuses (ConfigError at the scenario's key, naming the file's value) a timings file of another run than the
// scenario's step: its precision, sequences a step, tokens a sequence (the model reads length + 1: the scenario's
// sequence_length) and model config (by file name).
void check_timings_fit(const sim::Scenario& scenario, const DeviceTimings& timings);

// Per compute kind, the scenario's GEMM and attention ops as priced (with FP8 GEMMs their activations' casts too,
// the quantize ops; where the memory-bound ops ran on the device, every op of the norm/element-wise and permute
// kinds too; every layer of its one device, times the micro-batches) beside their device time, step by step
// over the timed steps after the first (the first warms up the device: its kernels' first launches, cuBLASLt's
// heuristics); the kind's figures are those of the step whose error is the median. Kinds with neither are left out.
// Where the file gives each step's routing, each step is priced at it, as the CUDA back-end runs the experts: each
// routed expert's GEMMs as calls of their own at its rows (models::GemmDims::group), none for an expert without rows.
reports::DeviceKernelValidation compare_device_timings(const sim::Scenario& scenario, const DeviceTimings& timings);

}  // namespace trainsim::cli
