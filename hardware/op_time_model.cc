// Roofline: max(FLOPs / (peak of the op's unit x efficiency), bytes / (HBM bandwidth x efficiency)) plus a
// fixed per-kernel cost.
#include "hardware/op_time_model.h"

#include <algorithm>

#include "core/error.h"

namespace trainsim::hw {

RooflineOpTimeModel::RooflineOpTimeModel(GpuSpec gpu, RooflineEfficiencies efficiencies, double compute_sm_fraction)
    : gpu_(std::move(gpu)), efficiencies_(efficiencies), compute_sm_fraction_(compute_sm_fraction) {
  TS_CHECK(compute_sm_fraction_ > 0 && compute_sm_fraction_ <= 1, "compute SM fraction {}", compute_sm_fraction_);
}

double RooflineOpTimeModel::compute_rate_flops_per_s(const models::Op& op) const {
  using models::OpKind;
  switch (op.kind) {
    case OpKind::kGemm:
    case OpKind::kGroupedGemm:
      return gpu_.tensor_peak_flops_per_s(op.dtype) *
             (op.dtype == models::Dtype::kFp8 && gpu_.fp8_peak_flops_per_s > 0 ? efficiencies_.fp8_gemm
                                                                              : efficiencies_.bf16_gemm);
    case OpKind::kAttention: return gpu_.bf16_peak_flops_per_s * efficiencies_.attention;
    default: return gpu_.fp32_peak_flops_per_s * efficiencies_.vector;
  }
}

double RooflineOpTimeModel::seconds(const models::Op& op) const {
  TS_CHECK(!op.is_communication(), "op '{}' is communication; the network times it", op.name);
  if (op.flops == 0 && op.hbm_bytes == 0) return 0.0;
  const double compute_s = op.flops / (compute_rate_flops_per_s(op) * compute_sm_fraction_);
  const double memory_s = op.hbm_bytes / (gpu_.hbm_bandwidth_bytes_per_s * efficiencies_.memory);
  return std::max(compute_s, memory_s) + efficiencies_.fixed_overhead_s;
}

}  // namespace trainsim::hw
