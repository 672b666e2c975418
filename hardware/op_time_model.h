// The op-time model: how long one op takes on one GPU. A narrow interface (an op in, seconds out) so that
// calibration from measured kernels can replace the roofline below without touching its callers.
#pragma once
#include "hardware/gpu_spec.h"
#include "models/op.h"

namespace trainsim::hw {

class OpTimeModel {
 public:
  virtual ~OpTimeModel() = default;
  // Seconds for a compute op; communication ops are timed by the network, not here.
  virtual double seconds(const models::Op& op) const = 0;
};

// Fractions of datasheet peaks that real kernels reach. Defaults and where they come from:
struct RooflineEfficiencies {
  // DeepGEMM's FP8 GEMMs reach 1127-1520 TFLOPS on DeepSeek-V3's training shapes at M = 4096 on H800, and
  // 1214-1346 grouped (docs/sources.md#deepgemm): 57-77% of the 1979 TFLOP/s peak; 0.6 covers the smaller shapes too.
  double fp8_gemm = 0.60;
  // cuBLAS BF16 GEMMs of training sizes run at about 650-750 of 989 TFLOP/s on H100 SXM.
  double bf16_gemm = 0.70;
  // FlashAttention-3 (BF16, head dim 128) reaches 60-75% of peak forward and 45-55% backward on H100.
  double attention = 0.55;
  // Memory-bound kernels (norms, casts, permutes) reach about 80% of HBM bandwidth.
  double memory = 0.80;
  // Element-wise arithmetic on CUDA cores.
  double vector = 0.50;
  // Launch and tail cost of every kernel (a few microseconds on Hopper).
  double fixed_overhead_s = 4e-6;
};

class RooflineOpTimeModel final : public OpTimeModel {
 public:
  // `compute_sm_fraction`: share of the SMs left to compute, e.g. (132 - 20) / 132 while DeepSeek-V3's
  // communication kernels hold 20 SMs; it scales the compute peaks, not HBM bandwidth.
  RooflineOpTimeModel(GpuSpec gpu, RooflineEfficiencies efficiencies, double compute_sm_fraction = 1.0);
  double seconds(const models::Op& op) const override;

  const GpuSpec& gpu() const { return gpu_; }
  const RooflineEfficiencies& efficiencies() const { return efficiencies_; }

 private:
  double compute_rate_flops_per_s(const models::Op& op) const;

  GpuSpec gpu_;
  RooflineEfficiencies efficiencies_;
  double compute_sm_fraction_;
};

}  // namespace trainsim::hw
