// DeepSeek-V3's FP8 linear layers, derived from its config values (named below), and DeepGEMM's anchors.
#include "kernels/fp8/deepseek_v3_shapes.h"

namespace trainsim::kernels::fp8 {

namespace {
// config.json of deepseek-ai/DeepSeek-V3
constexpr int kHidden = 7168;
constexpr int kQLoraRank = 1536;
constexpr int kKvLoraRank = 512;
constexpr int kHeads = 128;
constexpr int kQkNopeDim = 128;
constexpr int kQkRopeDim = 64;
constexpr int kVHeadDim = 128;
constexpr int kDenseIntermediate = 18432;
constexpr int kExpertIntermediate = 2048;

// DeepGEMM README, normal GEMMs for dense models, H800, M = 4096 (docs/sources.md#deepgemm).
std::optional<double> deepgemm_fprop_tflops(int n, int k) {
  struct Anchor {
    int n, k;
    double tflops;
  };
  constexpr Anchor kAnchors[] = {{2112, 7168, 1127}, {24576, 1536, 1212}, {32768, 512, 775},
                                 {7168, 16384, 1520}, {4096, 7168, 1410},  {7168, 2048, 1168}};
  for (const Anchor& a : kAnchors)
    if (a.n == n && a.k == k) return a.tflops;
  return std::nullopt;
}
}  // namespace

std::vector<LinearLayer> deepseek_v3_linear_layers() {
  return {
      {"attn.q_a_proj", kHidden, kQLoraRank},
      {"attn.kv_a_proj_with_mqa", kHidden, kKvLoraRank + kQkRopeDim},
      {"attn.q_a+kv_a (fused)", kHidden, kQLoraRank + kKvLoraRank + kQkRopeDim},
      {"attn.q_b_proj", kQLoraRank, kHeads * (kQkNopeDim + kQkRopeDim)},
      {"attn.kv_b_proj", kKvLoraRank, kHeads * (kQkNopeDim + kVHeadDim)},
      {"attn.o_proj", kHeads * kVHeadDim, kHidden},
      {"dense.gate+up (fused)", kHidden, 2 * kDenseIntermediate},
      {"dense.down_proj", kDenseIntermediate, kHidden},
      {"expert.gate+up (fused)", kHidden, 2 * kExpertIntermediate},
      {"expert.down_proj", kExpertIntermediate, kHidden},
  };
}

std::vector<BenchShape> deepseek_v3_bench_shapes(int tokens) {
  std::vector<BenchShape> shapes;
  for (const LinearLayer& layer : deepseek_v3_linear_layers()) {
    for (GemmKind kind : {GemmKind::kFprop, GemmKind::kDgrad, GemmKind::kWgrad}) {
      const GemmShape s = training_gemm_shape(kind, tokens, layer.in_features, layer.out_features);
      std::optional<double> anchor;
      if (kind == GemmKind::kFprop && tokens == 4096) anchor = deepgemm_fprop_tflops(s.n, s.k);
      shapes.push_back({layer.name, kind, s, anchor});
    }
  }
  return shapes;
}

}  // namespace trainsim::kernels::fp8
