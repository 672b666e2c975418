// Dispatch of an op to its shape model, or to the roofline (shaped_op_time_model.h).
#include "hardware/shaped_op_time_model.h"

namespace trainsim::hw {
namespace {

// Kinds whose time is the bytes they move: norms, activations and residuals, FP8 casts, permutes, the
// embedding gather and scatter. The router's top-k stays on the roofline.
bool memory_bound(models::OpKind kind) {
  using models::OpKind;
  return kind == OpKind::kNorm || kind == OpKind::kElementwise || kind == OpKind::kQuantize ||
         kind == OpKind::kPermute || kind == OpKind::kEmbedding;
}

}  // namespace

void OpShapeTable::add(std::string op_name, models::Pass pass, OpShape shape) {
  shapes_.insert_or_assign({std::move(op_name), pass}, std::move(shape));
}

const OpShape* OpShapeTable::find(const models::Op& op) const {
  const auto it = shapes_.find({op.name, op.pass});
  return it == shapes_.end() ? nullptr : &it->second;
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

ShapedOpTimeModel::ShapedOpTimeModel(GpuSpec gpu, ShapedConstants constants, OpShapeTable shapes, int compute_sms,
                                     RooflineEfficiencies fallback)
    : shapes_(std::move(shapes)),
      compute_sms_(compute_sms),
      fp8_gemm_(gpu, constants.fp8_gemm, constants.memory.hbm_time_factor),
      bf16_gemm_(gpu, constants.bf16_gemm, constants.memory.hbm_time_factor),
      attention_forward_(gpu, AttentionDirection::kForward, constants.attention_forward,
                         constants.memory.hbm_time_factor),
      attention_backward_(gpu, AttentionDirection::kBackward, constants.attention_backward,
                          constants.memory.hbm_time_factor),
      memory_(gpu, constants.memory),
      roofline_(gpu, fallback, static_cast<double>(compute_sms) / gpu.sm_count) {
  TS_CHECK(compute_sms_ >= 1 && compute_sms_ <= gpu.sm_count, "{} compute SMs on a {}-SM GPU", compute_sms_,
           gpu.sm_count);
}

OpPricing ShapedOpTimeModel::pricing(const models::Op& op) const {
  using models::OpKind;
  const OpShape* shape = shapes_.find(op);
  if ((op.kind == OpKind::kGemm || op.kind == OpKind::kGroupedGemm) && shape && std::holds_alternative<GemmShape>(*shape))
    return OpPricing::kGemmShape;
  if (op.kind == OpKind::kAttention && shape && std::holds_alternative<AttentionShape>(*shape))
    return OpPricing::kAttentionShape;
  if (memory_bound(op.kind)) return OpPricing::kMemoryBytes;
  return OpPricing::kRoofline;
}

double ShapedOpTimeModel::seconds(const models::Op& op) const {
  TS_CHECK(!op.is_communication(), "op '{}' is communication; the network times it", op.name);
  switch (pricing(op)) {
    case OpPricing::kGemmShape: {
      const auto& gemm = std::get<GemmShape>(*shapes_.find(op));
      TS_CHECK(gemm.dtype == op.dtype, "op '{}' is {} but its shape says {}", op.name, models::dtype_name(op.dtype),
               models::dtype_name(gemm.dtype));
      return (gemm.dtype == models::Dtype::kFp8 ? fp8_gemm_ : bf16_gemm_).seconds(gemm, compute_sms_);
    }
    case OpPricing::kAttentionShape: {
      const auto& attention = std::get<AttentionShape>(*shapes_.find(op));
      // Forward, and forward recomputed inside backward, run the forward kernel; Bi runs the backward one.
      const bool backward = op.pass != models::Pass::kForward && !op.recomputed;
      return (backward ? attention_backward_ : attention_forward_).seconds(attention, compute_sms_);
    }
    case OpPricing::kMemoryBytes:
      if (op.flops == 0 && op.hbm_bytes == 0) return 0.0;
      return memory_.seconds(MemoryOpShape{op.hbm_bytes, op.flops, 1}, compute_sms_);
    case OpPricing::kRoofline: return roofline_.seconds(op);
  }
  return roofline_.seconds(op);
}

}  // namespace trainsim::hw
