// RoutedExpertPricing: the routed experts' compute of one MoE layer re-priced at one GPU's own row count, through
// the same op-time model as the rest of the step. A grouped GEMM's time is not linear in its rows (tiles, waves
// over the SMs, the K loop: hardware/gemm_time_model.h), so a GPU with 1.3x the rows is priced by rebuilding the
// layer's routed ops at its rows (models::OpContext::expert_load_factor), not by scaling the balanced time.
#pragma once
#include <array>
#include <cstdint>
#include <unordered_map>

#include "hardware/op_time_model.h"
#include "models/compute_kind.h"
#include "models/op_catalog.h"

namespace trainsim::sim {

// Bit `1 << pass_bit(pass)` of a stage op's routed_passes: the passes whose routed ops it holds.
inline unsigned pass_bit(models::Pass pass) { return 1u << static_cast<unsigned>(pass); }

// The routed ops of one MoE layer at one row count: seconds by op kind, per pass (F, Bi, W).
struct RoutedSeconds {
  std::array<models::ComputeKindSeconds, 3> by_pass{};
  models::ComputeKindSeconds by_kind(unsigned passes) const;  // summed over the passes in the mask
  double seconds(unsigned passes) const;
};

class RoutedExpertPricing {
 public:
  // `context`: how a micro-batch meets a GPU (sim::op_context); `time_model` must outlive this.
  RoutedExpertPricing(const models::ModelConfig& model, const models::OpContext& context, const hw::OpTimeModel& time_model);
  // Rows each EP rank's experts compute at the balanced share: the micro-batch's tokens x top-k.
  std::int64_t balanced_rows() const { return balanced_rows_; }
  // The routed ops priced at `rows`, computed once per row count (a step has a few thousand distinct counts
  // where it has millions of expert ops).
  const RoutedSeconds& at_rows(std::int64_t rows);

 private:
  const models::ModelConfig& model_;
  models::OpContext context_;
  const hw::OpTimeModel& time_model_;
  std::int64_t balanced_rows_ = 0;
  std::unordered_map<std::int64_t, RoutedSeconds> cache_;
};

}  // namespace trainsim::sim
