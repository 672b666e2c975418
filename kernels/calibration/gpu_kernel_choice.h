// GpuKernelChoice: which of the project's GPU kernels calibration_run times a plan call with, and at which sizes
// (kernels/CALIBRATION.md's family table). Plain C++, so that CI can hold every committed plan to it: a call the
// GPU run would refuse is found on the CPU, not in a device lease (the first H200 run refused 72 of the default
// plan's calls for reasons this file now settles or names).
#pragma once
#include <string>
#include <vector>

#include "kernels/calibration/calibration_call.h"

namespace trainsim::kernels {

enum class GpuKernel {
  kFp8Gemm,            // kernels/fp8 sm90_fp8_gemm, WGMMA (Wgrad layout for pass W)
  kFp8GroupedGemm,     // kernels/moe sm90_fp8_grouped_gemm on equal groups, 128-row aligned
  kBf16Gemm,           // cuBLASLt BF16 (kernels/mla's linear)
  kBf16GemmPerGroup,   // cuBLASLt BF16, one call per group: how the reduced model's CUDA back-end runs its experts
  kAttentionForward,   // kernels/mla version 2 (mma.sync), causal, equal sequences
  kAttentionBackward,  // the same, backward
  kQuantizeRows,       // kernels/fp8 sm90_fp8_quantize_rows: BF16 in, E4M3 and 1x128 scales out
  kRouter,             // kernels/moe sm90_fp32_router with DeepSeek-V3's routing (kDeepSeekV3Routing)
  kPermute,            // kernels/moe sm90_bf16_permute of routed rows
  kCopy,               // a device-to-device copy moving the op's bytes (half read, half written)
};

struct GpuKernelChoice {
  GpuKernel kernel = GpuKernel::kCopy;
  int rows = 0;          // quantize: rows; router: tokens; permute: routed rows
  int cols = 0;          // quantize: columns; permute: hidden size
  std::string stand_in;  // kCopy for an op of its own kernel (a cast, a router): why a copy of its bytes stands in
  // Grouped GEMMs: each group's first row, its rows padded to the permuted layout's 128 (groups + 1 of them);
  // attention: each sequence's first token (cu_seqlens, batch + 1). equal_offsets makes both.
  std::vector<int> offsets;
};

// The kernel for `call` and its sizes; std::invalid_argument, naming the reason, for a call no kernel can time.
// A memory-bound op's time is its bytes' (hardware/calibration_sweep.h: one bytes model for the family), so where
// the op's own kernel cannot take its bytes as whole rows, a copy of the same bytes times it, and says why.
GpuKernelChoice choose_gpu_kernel(const CalibrationCall& call);

}  // namespace trainsim::kernels
