// The FP8 linear layers of DeepSeek-V3 (HuggingFace config.json, models/presets/deepseek-v3.json)
// and the GEMM shapes of their Fprop, Dgrad and Wgrad at 4096 tokens, with DeepGEMM's published H800
// TFLOPS where DeepGEMM lists the shape (docs/sources.md#deepgemm).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "kernels/fp8/training_gemm.h"

namespace trainsim::kernels::fp8 {

inline constexpr int kTrainingTokens = 4096;  // sequence length 4096; M = 4096 as in DeepGEMM's table

struct LinearLayer {
  std::string name;
  int in_features = 0;
  int out_features = 0;
};

// Every linear layer DeepSeek-V3 trains in FP8 (gating, embedding and output head stay BF16/FP32), plus the
// fused projections DeepGEMM benchmarks (q_a with kv_a; gate with up).
std::vector<LinearLayer> deepseek_v3_linear_layers();

struct BenchShape {
  std::string layer;
  GemmKind kind = GemmKind::kFprop;
  GemmShape shape;
  std::optional<double> deepgemm_h800_tflops;  // published, M = 4096, BF16 output
};

// Fprop, Dgrad and Wgrad of every layer at `tokens` tokens.
std::vector<BenchShape> deepseek_v3_bench_shapes(int tokens = kTrainingTokens);

}  // namespace trainsim::kernels::fp8
