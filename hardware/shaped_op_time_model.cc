// Dispatch of an op to its shape model, or to the roofline (shaped_op_time_model.h).
#include "hardware/shaped_op_time_model.h"

#include <variant>

namespace trainsim::hw {
namespace {

// Kinds whose time is the bytes they move: norms, activations and residuals, FP8 casts, permutes, the
// embedding gather and scatter, and the router's top-k (a selection over each token's expert scores on CUDA
// cores: its FLOPs bind only if the FP32 peak would, which MemoryTimeModel's floor covers).
bool memory_bound(models::OpKind kind) {
  using models::OpKind;
  return kind == OpKind::kNorm || kind == OpKind::kElementwise || kind == OpKind::kQuantize ||
         kind == OpKind::kPermute || kind == OpKind::kEmbedding || kind == OpKind::kRouter;
}

bool gemm_kind(models::OpKind kind) { return kind == models::OpKind::kGemm || kind == models::OpKind::kGroupedGemm; }

}  // namespace

GemmShape gemm_shape(const models::GemmDims& dims, models::Dtype dtype) {
  return GemmShape::grouped(static_cast<int>(dims.groups), dims.rows_per_group, dims.n, dims.k, dtype);
}

AttentionShape attention_shape(const models::AttentionDims& dims) {
  return AttentionShape{dims.batch, dims.seq, dims.heads, dims.qk_head_dim, dims.v_head_dim, dims.causal, dims.window};
}

double kernel_size(const models::Op& op) {
  return gemm_kind(op.kind) || op.kind == models::OpKind::kAttention ? op.flops : op.hbm_bytes;
}

std::string_view op_pricing_name(OpPricing pricing) {
  switch (pricing) {
    case OpPricing::kGemmShape: return "gemm shape model";
    case OpPricing::kAttentionShape: return "attention shape model";
    case OpPricing::kMemoryBytes: return "memory-bound model";
    case OpPricing::kRoofline: return "roofline";
  }
  return "roofline";
}

ShapedOpTimeModel::ShapedOpTimeModel(GpuSpec gpu, ShapedConstants constants, int compute_sms,
                                     RooflineEfficiencies fallback, std::array<bool, kKernelFamilyCount> shaped,
                                     std::array<SizeRange, kKernelFamilyCount> covered)
    : compute_sms_(compute_sms),
      shaped_(shaped),
      covered_(covered),
      fp8_gemm_(gpu, constants.fp8_gemm, constants.memory.hbm_time_factor),
      fp8_weight_gemm_(gpu, constants.fp8_weight_gemm, constants.memory.hbm_time_factor),
      bf16_gemm_(gpu, constants.bf16_gemm, constants.memory.hbm_time_factor),
      attention_forward_(gpu, AttentionDirection::kForward, constants.attention_forward,
                         constants.memory.hbm_time_factor),
      attention_backward_(gpu, AttentionDirection::kBackward, constants.attention_backward,
                          constants.memory.hbm_time_factor),
      memory_(gpu, constants.memory),
      memory_kernels_per_op_(constants.memory_kernels_per_op),
      roofline_(gpu, fallback, static_cast<double>(compute_sms) / gpu.sm_count) {
  TS_CHECK(compute_sms_ >= 1 && compute_sms_ <= gpu.sm_count, "{} compute SMs on a {}-SM GPU", compute_sms_,
           gpu.sm_count);
}

OpPricing ShapedOpTimeModel::pricing(const models::Op& op) const {
  const bool gemm = gemm_kind(op.kind), attention = op.kind == models::OpKind::kAttention;
  TS_CHECK(!op.has_shape() || (gemm && std::holds_alternative<models::GemmDims>(op.shape)) ||
               (attention && std::holds_alternative<models::AttentionDims>(op.shape)),
           "op '{}' is {} but its shape is not", op.name, models::op_kind_name(op.kind));
  const std::optional<KernelFamily> family = kernel_family_of(op);
  if (!family || !shaped_[static_cast<std::size_t>(*family)]) return OpPricing::kRoofline;
  if (!covered_[static_cast<std::size_t>(*family)].contains(kernel_size(op))) return OpPricing::kRoofline;
  if (gemm && op.has_shape()) return OpPricing::kGemmShape;
  if (attention && op.has_shape()) return OpPricing::kAttentionShape;
  if (memory_bound(op.kind)) return OpPricing::kMemoryBytes;
  return OpPricing::kRoofline;
}

double ShapedOpTimeModel::memory_bound_seconds(double bytes) const {
  const auto memory = static_cast<std::size_t>(KernelFamily::kMemoryBound);
  if (shaped_[memory] && covered_[memory].contains(bytes))
    return memory_.seconds(MemoryOpShape{bytes, 0, 1}, compute_sms_);
  return bytes / (roofline_.gpu().hbm_bandwidth_bytes_per_s * roofline_.efficiencies().memory);
}

double ShapedOpTimeModel::seconds(const models::Op& op) const {
  TS_CHECK(!op.is_communication(), "op '{}' is communication; the network times it", op.name);
  switch (pricing(op)) {
    case OpPricing::kGemmShape: {
      const GemmShape gemm = gemm_shape(std::get<models::GemmDims>(op.shape), op.dtype);
      switch (*kernel_family_of(op)) {
        case KernelFamily::kFp8Gemm: return fp8_gemm_.seconds(gemm, compute_sms_);
        case KernelFamily::kFp8WeightGemm: return fp8_weight_gemm_.seconds(gemm, compute_sms_);
        default: return bf16_gemm_.seconds(gemm, compute_sms_);
      }
    }
    case OpPricing::kAttentionShape: {
      const AttentionShape attention = attention_shape(std::get<models::AttentionDims>(op.shape));
      const bool backward = kernel_family_of(op) == KernelFamily::kAttentionBackward;
      return (backward ? attention_backward_ : attention_forward_).seconds(attention, compute_sms_);
    }
    case OpPricing::kMemoryBytes:
      if (op.flops == 0 && op.hbm_bytes == 0) return 0.0;
      return memory_.seconds(MemoryOpShape{op.hbm_bytes, op.flops, memory_kernels_per_op_}, compute_sms_);
    case OpPricing::kRoofline: return roofline_.seconds(op);
  }
  return roofline_.seconds(op);
}

}  // namespace trainsim::hw
