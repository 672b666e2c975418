// Pricing the op catalog for a scenario and summing it per stage (see priced_model.h).
#include "sim/step/priced_model.h"

#include <fmt/format.h>

#include "sim/scenario/layout_rules.h"

namespace trainsim::sim {

const PricedLayer& PricedModel::of(models::LayerKind kind) const {
  switch (kind) {
    case models::LayerKind::kDense: return dense;
    case models::LayerKind::kMoe: return moe;
    case models::LayerKind::kEmbedding: return embedding;
    case models::LayerKind::kOutputHead: return head;
    case models::LayerKind::kMtp: return mtp;
  }
  return dense;
}

models::OpContext op_context(const Scenario& s) {
  models::OpContext c;
  c.micro_batch_size = s.layout.micro_batch_size;
  c.sequence_length = s.job.sequence_length;
  c.tp = s.layout.tp;
  c.sequence_parallel = s.layout.sequence_parallel;
  c.cp = s.layout.cp;
  c.cp_comm = s.layout.cp_comm;
  c.tp_comm_overlap = s.layout.tp_comm_overlap;
  c.ep = s.layout.ep;
  c.ep_dispatch = s.layout.ep_dispatch;
  c.gpus_per_node = s.cluster.gpus_per_node;
  c.recompute = s.layout.recompute;
  c.recompute_modules = s.layout.recompute_modules;
  c.attention_kernel = s.layout.attention_kernel;
  c.cross_entropy_kernel = s.layout.cross_entropy_kernel;
  c.residual_add = s.layout.residual_add;
  c.precision = s.job.precision;
  if (!s.layout.gradient_accumulation_fusion) {
    // Every micro-batch after the first adds its fresh gradient (in the weights' format, as the Wgrad GEMM wrote
    // it) to the accumulated one (in the gradients' format): read both, write the sum; (m - 1) / m of them per
    // micro-batch on average.
    const int microbatches = microbatches_per_step(s.layout, s.job.global_batch_sequences);
    const double adds_per_microbatch = microbatches > 0 ? (microbatches - 1.0) / microbatches : 0.0;
    c.gradient_accumulation_bytes_per_parameter =
        adds_per_microbatch * (s.job.optimizer.weight_bytes + 2 * s.job.optimizer.gradient_bytes);
  }
  return c;
}

std::string balanced_ep_traffic_note(const Scenario& s) {
  return s.layout.ep_dispatch == models::EpDispatch::kPerExpert
             ? "EP traffic is the expectation under balanced routing, a row per (token, expert) pair straight to its "
               "expert's GPU (Megatron-Core's alltoall dispatcher)"
             : "EP traffic is the expectation under balanced, uniform node-limited routing";
}

PricedModel price_model(const Scenario& s, const hw::OpTimeModel& time_model) {
  const models::OpContext context = op_context(s);
  auto priced = [&](models::LayerKind kind) {
    PricedLayer p{models::build_layer_ops(s.job.model, kind, context), {}};
    p.timing = time_layer(p.ops, time_model, s.cluster);
    return p;
  };
  return {priced(models::LayerKind::kDense), priced(models::LayerKind::kMoe), priced(models::LayerKind::kEmbedding),
          priced(models::LayerKind::kOutputHead), priced(models::LayerKind::kMtp)};
}

std::vector<StageLayer> stage_layers(const Stage& stage, const models::ModelConfig& m) {
  std::vector<StageLayer> out;
  if (stage.embedding) out.push_back({models::LayerKind::kEmbedding, "embed"});
  for (int i = stage.first_layer; i < stage.first_layer + stage.layer_count; ++i)
    out.push_back({m.is_moe_layer(i) ? models::LayerKind::kMoe : models::LayerKind::kDense, fmt::format("L{}", i), i});
  if (stage.output_head) out.push_back({models::LayerKind::kOutputHead, "head"});
  for (int k = 0; k < stage.mtp_modules; ++k) out.push_back({models::LayerKind::kMtp, fmt::format("mtp{}", k), m.num_layers + k});
  return out;
}

StageTotals stage_totals(const Stage& stage, const PricedModel& p, const models::ModelConfig& m) {
  StageTotals t;
  for (const StageLayer& layer : stage_layers(stage, m)) {
    const PricedLayer& priced = p.of(layer.kind);
    t.timing += priced.timing;
    t.parameters += priced.ops.parameters;
    t.expert_parameters += priced.ops.expert_parameters;
    t.saved_bytes += priced.ops.saved_activation_bytes;
  }
  return t;
}

}  // namespace trainsim::sim
