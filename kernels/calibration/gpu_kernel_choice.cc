// Choosing calibration_run's kernel for a plan call (gpu_kernel_choice.h).
#include "kernels/calibration/gpu_kernel_choice.h"

#include <stdexcept>

#include "kernels/moe/routing_rule.h"

namespace trainsim::kernels {
namespace {

// A memory-bound op's byte count stands for rows of DeepSeek-V3's hidden size (7168) where it divides into them,
// else of the largest of these that does: only the bytes matter to the time, the rows keep the kernel's shape real.
constexpr int kRowWidths[] = {7168, 4096, 2048, 1024, 512, 256, 128};
// sm90_fp32_router and the permute's routing run DeepSeek-V3's rule: 256 FP32 logits a token, top 8.
constexpr RoutingRule kRouting = kDeepSeekV3Routing;

GpuKernelChoice copy_standing_in(const std::string& why) { return {GpuKernel::kCopy, 0, 0, why, {}}; }

GpuKernelChoice memory_bound(const CalibrationCall& c) {
  if (c.op == "quantize") {
    for (int cols : kRowWidths)
      if (const auto shape = quantize_shape(c.bytes, cols))
        return {GpuKernel::kQuantizeRows, shape->rows, cols, "", {}};
    // The catalog's other casts: quant_dy writes both layouts in one pass (BF16 in, E4M3 out twice) and requant_x_t
    // reads the saved E4M3 X and writes it transposed (models/layer_builder.h); kernels/fp8 has neither fused kernel.
    return copy_standing_in("no kernel of kernels/fp8 is this cast (a cast-transpose or an FP8 re-quantization)");
  }
  if (c.op == "router") {
    if (const auto tokens = router_tokens(c.bytes, kRouting.num_experts))
      return {GpuKernel::kRouter, *tokens, 0, "", {}};
    return copy_standing_in("the router kernel runs DeepSeek-V3's 256 experts; these bytes are another router's");
  }
  if (c.op == "permute") {
    for (int hidden : kRowWidths)
      if (const auto rows = permute_rows(c.bytes, hidden); rows && *rows % kRouting.top_k == 0)
        return {GpuKernel::kPermute, *rows, hidden, "", {}};
    return copy_standing_in("the bytes are not whole routed rows of top-8 tokens");
  }
  return {GpuKernel::kCopy, 0, 0, "", {}};  // norms, element-wise ops, embeddings: a copy is their kernel's traffic
}

}  // namespace

GpuKernelChoice choose_gpu_kernel(const CalibrationCall& c) {
  const bool grouped = c.op == "grouped_gemm";
  if (c.op == "gemm" || grouped) {
    shape_int(c.m, "m");
    shape_int(c.n, "n");
    shape_int(c.k, "k");
    // Pass F: m rows per group; pass W: dW_e [m x n] over the k rows of each group (hardware/calibration_sweep.h).
    const std::vector<int> offsets =
        grouped ? equal_offsets(shape_int(c.groups, "groups"), ((c.pass == "W" ? c.k : c.m) + 127) / 128 * 128, "rows")
                : std::vector<int>{};
    if (c.family == "fp8_gemm" || c.family == "fp8_weight_gemm")
      return {grouped ? GpuKernel::kFp8GroupedGemm : GpuKernel::kFp8Gemm, 0, 0, "", offsets};
    if (c.family == "bf16_gemm") {
      if (c.dtype != "bf16")
        throw std::invalid_argument("no GPU GEMM of the project computes in " + c.dtype);
      // The model's CUDA back-end runs its experts one cuBLASLt call each, at their real rows: no padding.
      return {grouped ? GpuKernel::kBf16GemmPerGroup : GpuKernel::kBf16Gemm, 0, 0, "", {}};
    }
  }
  if (c.op == "attention" && (c.family == "attention_forward" || c.family == "attention_backward")) {
    if (c.seq_q != c.seq_kv) throw std::invalid_argument("seq_q != seq_kv: the kernels are self-attention");
    shape_int(c.heads, "heads");
    shape_int(c.head_dim, "head_dim");
    shape_int(c.value_dim, "value_dim");
    return {c.family == "attention_forward" ? GpuKernel::kAttentionForward : GpuKernel::kAttentionBackward, 0, 0, "",
            equal_offsets(shape_int(c.batch, "batch"), c.seq_q, "tokens")};
  }
  if (c.family == "memory_bound") return memory_bound(c);
  throw std::invalid_argument("no kernel for family " + c.family + " op " + c.op);
}

}  // namespace trainsim::kernels
