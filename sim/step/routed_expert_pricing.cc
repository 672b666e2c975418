// Re-pricing the routed experts at a GPU's rows (see routed_expert_pricing.h).
#include "sim/step/routed_expert_pricing.h"

#include <cmath>

#include "core/error.h"

namespace trainsim::sim {

models::ComputeKindSeconds RoutedSeconds::by_kind(unsigned passes) const {
  models::ComputeKindSeconds out{};
  for (std::size_t p = 0; p < by_pass.size(); ++p)
    if ((passes >> p) & 1u)
      for (std::size_t k = 0; k < out.size(); ++k) out[k] += by_pass[p][k];
  return out;
}

double RoutedSeconds::seconds(unsigned passes) const {
  double sum = 0;
  for (double s : by_kind(passes)) sum += s;
  return sum;
}

RoutedExpertPricing::RoutedExpertPricing(const models::ModelConfig& model, const models::OpContext& context,
                                         const hw::OpTimeModel& time_model)
    : model_(model), context_(context), time_model_(time_model) {
  TS_CHECK(model.is_moe(), "{} has no routed experts to price", model.name);
  balanced_rows_ = static_cast<std::int64_t>(std::llround(context.routed_tokens() * model.moe.experts_per_token));
}

const RoutedSeconds& RoutedExpertPricing::at_rows(std::int64_t rows) {
  auto [it, fresh] = cache_.try_emplace(rows);
  if (!fresh) return it->second;
  TS_CHECK(rows >= 0, "{} routed rows", rows);
  models::OpContext context = context_;
  context.expert_load_factor = static_cast<double>(rows) / static_cast<double>(balanced_rows_);
  const models::LayerOps ops = models::build_layer_ops(model_, models::LayerKind::kMoe, context);
  for (const models::Op& op : ops.ops) {
    if (!op.routed || op.is_communication()) continue;
    // A rank whose experts receive no row launches no kernel (the op-time model would charge its launch).
    const double seconds = rows == 0 ? 0.0 : time_model_.seconds(op);
    it->second.by_pass[static_cast<std::size_t>(op.pass)][static_cast<std::size_t>(models::compute_kind_of(op))] += seconds;
  }
  return it->second;
}

}  // namespace trainsim::sim
