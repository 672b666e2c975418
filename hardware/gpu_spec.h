// GpuSpec: one GPU model's datasheet numbers in SI units (FLOP/s, bytes, bytes/s, watts, USD/s).
#pragma once
#include <string>

#include "models/op.h"

namespace trainsim::hw {

struct GpuSpec {
  std::string key;     // catalog key: "h800"
  std::string name;    // "NVIDIA H800 SXM5"
  std::string source;  // the datasheet the numbers come from
  double fp8_peak_flops_per_s = 0;   // dense; 0 when the GPU has no FP8 tensor cores
  // Tensor cores that take OCP MX block-scaled FP8 (1x32 blocks, E8M0 scales) natively: Blackwell data-centre
  // parts (compute capability 10.x); Hopper has FP8 but no MX scaling.
  bool mxfp8 = false;
  double bf16_peak_flops_per_s = 0;
  double tf32_peak_flops_per_s = 0;
  double fp32_peak_flops_per_s = 0;  // CUDA cores
  double hbm_capacity_bytes = 0;
  double hbm_bandwidth_bytes_per_s = 0;
  int sm_count = 0;
  double boost_clock_hz = 0;  // the maximum SM clock; 0 where the catalog does not give one
  double nvlink_bandwidth_bytes_per_s = 0;  // per GPU, per direction
  double nic_bandwidth_bytes_per_s = 0;     // per GPU NIC
  double power_w = 0;
  double price_usd_per_s = 0;  // rental price per GPU, per second

  // The tensor-core peak an op of this dtype runs at (FP8 falls back to BF16 where there is no FP8).
  double tensor_peak_flops_per_s(models::Dtype dtype) const;
};

}  // namespace trainsim::hw
