// Choosing calibration_run's kernel for a plan call (gpu_kernel_choice.h).
#include "kernels/calibration/gpu_kernel_choice.h"

#include <stdexcept>

namespace trainsim::kernels {
namespace {

// A memory-bound op's byte count stands for rows of DeepSeek-V3's hidden size (7168) where it divides into them,
// else of the largest of these that does: only the bytes matter to the time, the rows keep the kernel's shape real.
constexpr int kRowWidths[] = {7168, 4096, 2048, 1024, 512, 256, 128};
constexpr int kRouterExperts = 256;  // sm90_fp32_router runs DeepSeek-V3's routing: 256 FP32 logits a token
constexpr int kRouterTopK = 8;

GpuKernelChoice copy_standing_in(const std::string& why) { return {GpuKernel::kCopy, 0, 0, why}; }

GpuKernelChoice memory_bound(const CalibrationCall& c) {
  if (c.op == "quantize") {
    for (int cols : kRowWidths)
      if (const auto shape = quantize_shape(c.bytes, cols)) return {GpuKernel::kQuantizeRows, shape->rows, cols, ""};
    // The catalog's other casts: quant_dy writes both layouts in one pass (BF16 in, E4M3 out twice) and requant_x_t
    // reads the saved E4M3 X and writes it transposed (models/layer_builder.h); kernels/fp8 has neither fused kernel.
    return copy_standing_in("no kernel of kernels/fp8 is this cast (a cast-transpose or an FP8 re-quantization)");
  }
  if (c.op == "router") {
    if (const auto tokens = router_tokens(c.bytes, kRouterExperts)) return {GpuKernel::kRouter, *tokens, 0, ""};
    return copy_standing_in("the router kernel runs DeepSeek-V3's 256 experts; these bytes are another router's");
  }
  if (c.op == "permute") {
    for (int hidden : kRowWidths)
      if (const auto rows = permute_rows(c.bytes, hidden); rows && *rows % kRouterTopK == 0)
        return {GpuKernel::kPermute, *rows, hidden, ""};
    return copy_standing_in("the bytes are not whole routed rows of top-8 tokens");
  }
  return {GpuKernel::kCopy, 0, 0, ""};  // norms, element-wise ops, embeddings: a copy is their kernel's traffic
}

}  // namespace

GpuKernelChoice choose_gpu_kernel(const CalibrationCall& c) {
  const bool grouped = c.op == "grouped_gemm";
  if (c.op == "gemm" || grouped) {
    if (grouped) equal_offsets(shape_int(c.groups, "groups"), ((c.pass == "W" ? c.k : c.m) + 127) / 128 * 128, "rows");
    shape_int(c.m, "m");
    shape_int(c.n, "n");
    shape_int(c.k, "k");
    if (c.family == "fp8_gemm" || c.family == "fp8_weight_gemm")
      return {grouped ? GpuKernel::kFp8GroupedGemm : GpuKernel::kFp8Gemm, 0, 0, ""};
    if (c.family == "bf16_gemm") {
      if (c.dtype != "bf16") throw std::invalid_argument("no GPU GEMM of the project computes in " + c.dtype);
      return {grouped ? GpuKernel::kBf16GemmPerGroup : GpuKernel::kBf16Gemm, 0, 0, ""};
    }
  }
  if (c.op == "attention" && (c.family == "attention_forward" || c.family == "attention_backward")) {
    if (c.seq_q != c.seq_kv) throw std::invalid_argument("seq_q != seq_kv: the kernels are self-attention");
    equal_offsets(shape_int(c.batch, "batch"), c.seq_q, "tokens");
    shape_int(c.heads, "heads");
    shape_int(c.head_dim, "head_dim");
    shape_int(c.value_dim, "value_dim");
    return {c.family == "attention_forward" ? GpuKernel::kAttentionForward : GpuKernel::kAttentionBackward, 0, 0, ""};
  }
  if (c.family == "memory_bound") return memory_bound(c);
  throw std::invalid_argument("no kernel for family " + c.family + " op " + c.op);
}

}  // namespace trainsim::kernels
