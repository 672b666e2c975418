// Dispatch of an op to its shape model, or to the roofline (shaped_op_time_model.h).
#include "hardware/shaped_op_time_model.h"

#include <fmt/format.h>

#include <variant>

#include "core/error.h"

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
  if (!dims.uneven())
    return GemmShape::grouped(static_cast<int>(dims.groups), dims.rows_per_group, dims.n, dims.k, dtype);
  // GemmShape's groups share one k, so uneven tokens can only be its rows (a grouped Wgrad contracts them).
  TS_CHECK(!dims.tokens_are_k,
           "a grouped Wgrad of uneven groups contracts a different k in each; the shape models price equal groups "
           "only (a calibration of measured points prices each group by its own point)");
  return GemmShape{dims.tokens_by_group, dims.n, dims.k, dtype};
}

AttentionShape attention_shape(const models::AttentionDims& dims) {
  return AttentionShape{dims.batch,     dims.seq,    dims.heads,  dims.qk_head_dim,
                        dims.v_head_dim, dims.causal, dims.window, dims.context_parallel};
}

double kernel_size(const models::Op& op) {
  return gemm_kind(op.kind) || op.kind == models::OpKind::kAttention ? op.flops : op.hbm_bytes;
}

std::string_view op_pricing_name(OpPricing pricing) {
  switch (pricing) {
    case OpPricing::kGemmShape: return "gemm shape model";
    case OpPricing::kAttentionShape: return "attention shape model";
    case OpPricing::kMemoryBytes: return "memory-bound model";
    case OpPricing::kMeasuredPoint: return "measured point";
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
      points_(constants.points),
      memory_kernels_per_op_(constants.memory_kernels_per_op),
      roofline_(gpu, fallback, static_cast<double>(compute_sms) / gpu.sm_count) {
  TS_CHECK(compute_sms_ >= 1 && compute_sms_ <= gpu.sm_count, "{} compute SMs on a {}-SM GPU", compute_sms_,
           gpu.sm_count);
  if (points_) return;
  const double hbm = constants.memory.hbm_time_factor;
  shape_models_.emplace(ShapeModels{
      GemmTimeModel(gpu, constants.fp8_gemm, hbm), GemmTimeModel(gpu, constants.fp8_weight_gemm, hbm),
      GemmTimeModel(gpu, constants.bf16_gemm, hbm),
      AttentionTimeModel(gpu, AttentionDirection::kForward, constants.attention_forward, hbm),
      AttentionTimeModel(gpu, AttentionDirection::kBackward, constants.attention_backward, hbm),
      MemoryTimeModel(gpu, constants.memory)});
}

OpPricing ShapedOpTimeModel::pricing(const models::Op& op) const {
  const bool gemm = gemm_kind(op.kind), attention = op.kind == models::OpKind::kAttention;
  TS_CHECK(!op.has_shape() || (gemm && std::holds_alternative<models::GemmDims>(op.shape)) ||
               (attention && std::holds_alternative<models::AttentionDims>(op.shape)),
           "op '{}' is {} but its shape is not", op.name, models::op_kind_name(op.kind));
  if (points_) return OpPricing::kMeasuredPoint;
  const std::optional<KernelFamily> family = kernel_family_of(op);
  if (!family || !shaped_[static_cast<std::size_t>(*family)]) return OpPricing::kRoofline;
  if (!covered_[static_cast<std::size_t>(*family)].contains(kernel_size(op))) return OpPricing::kRoofline;
  if (gemm && op.has_shape()) return OpPricing::kGemmShape;
  if (attention && op.has_shape()) return OpPricing::kAttentionShape;
  if (memory_bound(op.kind)) return OpPricing::kMemoryBytes;
  return OpPricing::kRoofline;
}

double ShapedOpTimeModel::optimizer_seconds(double bytes) const {
  return memory_pass_seconds(bytes, points_ ? points_->optimizer_seconds(bytes) : std::nullopt, "optimizer",
                             "optimizer step");
}

double ShapedOpTimeModel::gradient_zeroing_seconds(double bytes) const {
  return memory_pass_seconds(bytes, points_ ? points_->gradient_zeroing_seconds(bytes) : std::nullopt,
                             "gradient_zeroing", "gradient zeroing");
}

double ShapedOpTimeModel::memory_pass_seconds(double bytes, std::optional<double> measured_s, const std::string& field,
                                              const std::string& what) const {
  if (points_) {
    if (measured_s) return *measured_s;
    throw ConfigError(SourceLocation{points_->file(), 0, 0, field},
                      fmt::format("no {} was measured to price {:.0f} bytes by", what, bytes),
                      fmt::format("the {} measured with the points", what),
                      "measure the calibration for this scenario (trainsim validate does)");
  }
  const auto memory = static_cast<std::size_t>(KernelFamily::kMemoryBound);
  if (shaped_[memory] && covered_[memory].contains(bytes))
    return shape_models_->memory.seconds(MemoryOpShape{bytes, 0, 1}, compute_sms_);
  return bytes / (roofline_.gpu().hbm_bandwidth_bytes_per_s * roofline_.efficiencies().memory);
}

double ShapedOpTimeModel::seconds(const models::Op& op) const {
  TS_CHECK(!op.is_communication(), "op '{}' is communication; the network times it", op.name);
  switch (pricing(op)) {
    case OpPricing::kGemmShape: {
      const GemmShape gemm = gemm_shape(std::get<models::GemmDims>(op.shape), op.dtype);
      switch (*kernel_family_of(op)) {
        case KernelFamily::kFp8Gemm: return shape_models_->fp8_gemm.seconds(gemm, compute_sms_);
        case KernelFamily::kFp8WeightGemm: return shape_models_->fp8_weight_gemm.seconds(gemm, compute_sms_);
        default: return shape_models_->bf16_gemm.seconds(gemm, compute_sms_);
      }
    }
    case OpPricing::kAttentionShape: {
      const AttentionShape attention = attention_shape(std::get<models::AttentionDims>(op.shape));
      const bool backward = kernel_family_of(op) == KernelFamily::kAttentionBackward;
      return (backward ? shape_models_->attention_backward : shape_models_->attention_forward)
          .seconds(attention, compute_sms_);
    }
    case OpPricing::kMemoryBytes:
      if (op.flops == 0 && op.hbm_bytes == 0) return 0.0;
      return shape_models_->memory.seconds(MemoryOpShape{op.hbm_bytes, op.flops, memory_kernels_per_op_},
                                           compute_sms_);
    case OpPricing::kMeasuredPoint: return measured_seconds(op);
    case OpPricing::kRoofline: return roofline_.seconds(op);
  }
  return roofline_.seconds(op);
}

double ShapedOpTimeModel::measured_seconds(const models::Op& op) const {
  if (const std::optional<double> measured = points_->seconds(op, compute_sms_)) return *measured;
  if (op.flops == 0 && op.hbm_bytes == 0) return 0.0;  // nothing to run, as the shape models price it
  throw ConfigError(SourceLocation{points_->file(), 0, 0, "points"},
                    fmt::format("op '{}' ({} {}, pass {}) has no point of its kernel shape on {} SMs", op.name,
                                models::op_kind_name(op.kind), models::dtype_name(op.dtype),
                                models::pass_name(op.pass), compute_sms_),
                    "a point of every kernel shape the scenario runs: this calibration prices each op by its own",
                    "measure the calibration for this scenario (trainsim validate does)");
}

}  // namespace trainsim::hw
