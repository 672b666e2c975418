// A calibration read off a profiler trace: a trace records no shapes, so its compute kernels are summed by
// kernel family (kernel_kinds.h kernel_family) per DualPipe block per layer instance, one group point each,
// against the catalog ops of that block, pass and family (the members). `trainsim calibrate --from-trace T
// --scenario S -o FILE` writes it; hardware/calibration/h800-trace.yaml is DeepSeek's trace read so.
#pragma once
#include <string>
#include <vector>

#include "hardware/calibration.h"
#include "hardware/kineto_trace.h"
#include "hardware/trace_summary.h"
#include "models/op_catalog.h"

namespace trainsim::hw {

struct TraceCalibrationSource {
  std::string shapes_from;  // the scenario whose MoE layer gave the members, as named on the command line
  std::string url;          // where the trace is published
  std::string date;         // YYYY-MM-DD: when it was measured or published
};

struct TraceCalibration {
  Calibration calibration;
  // Kernels in no group point, one row per distinct name and reason, longest first: communication and
  // copies, kernels the table cannot place, compute outside an attn or mlp block annotation, and kernels of a
  // family the block's catalog ops do not have.
  std::vector<UnplacedKernel> ungrouped;
  // Block, pass and family of catalog ops no trace kernel ran ("attn F bf16_gemm"), each once.
  std::vector<std::string> ops_without_kernels;
};

// One group point per (layer instance, block, pass, family): the k-th "attn(F)" is layer k of the forward
// chunk; the k-th "attn(B)" and k-th "attn(W)" together are one layer of the backward chunk, which runs its
// layers last to first. The point's pass is F for forward groups; for B+W groups W for fp8_weight_gemm and Bi
// otherwise. SMs: the device's less those DeepEP's kernels held (their largest grid: one block per SM).
// Throws ConfigError when the trace names no device, or one the GPU catalog does not have.
TraceCalibration calibration_from_trace(const KinetoTrace& trace, const models::LayerOps& moe_layer,
                                        const TraceCalibrationSource& source);

}  // namespace trainsim::hw
