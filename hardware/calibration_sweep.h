// CalibrationSweep: the kernel calls the GPU measures for `trainsim calibrate --device`: every distinct kernel
// shape of a scenario's compute ops, points swept around each, at the SM counts the scenario runs compute on.
// Its JSON form is the plan kernels/gpu-run.sh reads (kernels/CALIBRATION.md).
#pragma once
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "hardware/calibration.h"
#include "hardware/kernel_family.h"
#include "models/op_catalog.h"

namespace trainsim::hw {

// One kernel call to time: an op kind in a dtype and pass, with the shape a calibration point names
// (FORMAT.md), on `sms` SMs.
struct KernelCall {
  std::string id;  // "fp8_gemm.007": the family and the call's index within it, in sweep order
  KernelFamily family = KernelFamily::kFp8Gemm;
  models::OpKind op = models::OpKind::kGemm;
  models::Dtype dtype = models::Dtype::kFp8;
  // The pass that picks the family's kernel: W for fp8_weight_gemm, Bi for attention_backward, else F (a
  // forward op recomputed in backward runs the forward kernel, so it is an F call).
  models::Pass pass = models::Pass::kForward;
  std::vector<ShapeDim> shape;  // GEMM m, n, k (grouped: groups first); attention batch ... value_dim; bytes
  int sms = 0;
  std::string sweep;             // "" for a shape of the scenario, else the step from it: "m x 1/4", "bytes x 4"
  std::vector<std::string> ops;  // catalog ops of the scenario's shape ("attn.q_up"), in catalog order

  long long dim(std::string_view name, long long fallback = 0) const;
};

// The call that times `op`'s kernel, without id, SM count or ops; nothing for an op that gives no kernel to time
// (communication, a shape-less GEMM built by hand, a memory-bound op that moves no bytes).
std::optional<KernelCall> kernel_call_of(const models::Op& op);

// The calls for `layers` (a scenario's layer kinds, each once), at each of `sm_counts` (the GPU's full count,
// then what DualPipe leaves compute: sm_count - comm_sm_count; repeats are dropped).
//
// Every GEMM, grouped GEMM and attention op with a kernel shape and every memory-bound op that moves bytes
// gives one call per distinct (family, op kind, dtype, shape); communication is not a kernel the fit reads.
// Around each, the sweep: the points are chosen so that a least-squares fit of the family's model
// (calibrated_constants.h) can tell its constants apart, which the scenario's shapes alone often cannot:
// - GEMM: M x 1/4, 1/2, 2 and N x 1/2, 2 change the output tiles and so the waves at a fixed K loop (the
//   tile cost against the MMA rate; a quarter of M takes large shapes below one wave, where launch and
//   per-tile cost dominate); K x 1/2, 2 change only the K loop per tile (k_block_s against tile_s).
// - Grouped GEMM: rows per group x 1/4, 1/2, 2: the experts' load, which the router makes vary, at the same
//   groups, N and K.
// - Attention: seq x 1/2, 2: causal tiles grow with seq^2, the launch does not.
// - Memory-bound: bytes x 1/4, 4: time against bytes is a line whose slope is the achieved bandwidth and
//   whose intercept is the launch.
// - Two SM counts: the same tiles in a different number of waves.
// Order is deterministic: families in KernelFamily order; within one, shapes in order of first appearance in
// `layers`, each followed by its sweep points in the order above, each at the SM counts in the given order.
// A sweep point equal to a scenario shape or an earlier point is not repeated.
std::vector<KernelCall> calibration_sweep(std::span<const models::LayerOps> layers, std::span<const int> sm_counts);

// Where the plan came from, for its header.
struct CalibrationPlanSource {
  std::string scenario;  // as named on the command line
  std::string gpu;       // catalog key
  int sm_count = 0;
  double boost_clock_hz = 0;
  int comm_sm_count = 0;
};

// The plan file's text: JSON, one call a line, deterministic (kernels/CALIBRATION.md).
std::string format_calibration_plan(const std::vector<KernelCall>& calls, const CalibrationPlanSource& source);

}  // namespace trainsim::hw
