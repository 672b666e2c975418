// The model's op and shape for a memory-bound calibration call (memory_op_shapes.h).
#include "kernels/calibration/memory_op_shapes.h"

#include <stdexcept>
#include <string_view>

#include "kernels/common/random_fill.h"
#include "kernels/moe/router_ref.h"

namespace trainsim::kernels {
namespace {

bool contains(std::string_view s, std::string_view part) { return s.find(part) != std::string_view::npos; }

// Rows of `bytes_per_row` each in the call's bytes; the op is known, so bytes that are not whole rows mean a plan
// made for another model.
int whole_rows(const std::string& name, std::int64_t bytes, std::int64_t bytes_per_row, const char* row) {
  if (bytes_per_row <= 0 || bytes % bytes_per_row != 0)
    throw std::invalid_argument(name + ": " + std::to_string(bytes) + " bytes are not whole " + row + " of " +
                                std::to_string(bytes_per_row) + " bytes (a plan of another model?)");
  return shape_int(bytes / bytes_per_row, row);
}

}  // namespace

std::vector<int> calibration_ids(int count, int modulus) {
  std::vector<int> ids(static_cast<std::size_t>(count));
  for (int t = 0; t < count; ++t)
    ids[static_cast<std::size_t>(t)] = static_cast<int>((std::int64_t{t} * 7919) % modulus);
  return ids;
}

CalibrationRouting calibration_routing(const RoutingRule& rule, int tokens) {
  CalibrationRouting r;
  r.logits = uniform_doubles(static_cast<std::size_t>(tokens) * static_cast<std::size_t>(rule.num_experts), 7);
  r.expert_ids.assign(static_cast<std::size_t>(tokens) * static_cast<std::size_t>(rule.top_k), 0);
  r.gates.assign(r.expert_ids.size(), 0);
  router_ref(rule, r.logits, {}, r.expert_ids, r.gates);
  r.layout = plan_expert_layout(r.expert_ids, rule.top_k, rule.num_experts, 1);
  return r;
}

std::optional<MemoryOpShape> memory_op_shape(const CalibrationCall& call, const std::string& name,
                                             const model::ModelConfig& m) {
  const std::string& kind = call.op;
  const bool backward = name.ends_with(".bwd");
  const std::int64_t bytes = call.bytes;
  auto rows_of = [&](std::int64_t bytes_per_row, const char* row) {
    return whole_rows(name, bytes, bytes_per_row, row);
  };
  MemoryOpShape s;
  s.backward = backward;
  if (kind == "norm") {
    // models/layer_norms.cc norm_cost: forward reads and writes each BF16 value (4 bytes), backward reads the input
    // and the gradient and writes the gradient (6 bytes).
    s.op = MemoryOp::kNorm;
    s.width = contains(name, "q_norm") ? m.q_lora_rank : contains(name, "kv_norm") ? m.kv_lora_rank : m.hidden_size;
    s.rows = rows_of(std::int64_t{s.width} * (backward ? 6 : 4), "rows");
    return s;
  }
  if (kind == "elementwise" && contains(name, "swiglu")) {
    // models/layer_builder.h elementwise: rows x (in + out) BF16 values forward, rows x (2 in + out) backward; SwiGLU
    // reads [gate, up] (in = 2 inter) and writes inter (models/mlp_ops.cc). The routed experts' SwiGLU runs once per
    // expert on its own rows (moe_layer.cc: each expert's MLP in turn), the rows split evenly (the catalog's
    // balanced routing); the dense and shared MLPs' once on all rows.
    s.op = MemoryOp::kSwiglu;
    s.width = name.starts_with("mlp.")          ? m.intermediate_size
              : name.starts_with("moe.shared.") ? m.moe_intermediate_size * m.n_shared_experts
                                               : m.moe_intermediate_size;
    s.rows = rows_of(std::int64_t{s.width} * 2 * (backward ? 5 : 3), "rows");
    const int experts = name.starts_with("moe.experts.") ? m.n_routed_experts : 1;
    s.loop_rows.assign(static_cast<std::size_t>(experts), s.rows / experts);
    for (int e = 0; e < s.rows % experts; ++e) ++s.loop_rows[static_cast<std::size_t>(e)];
    return s;
  }
  if (kind == "elementwise" && name.starts_with("attn.rope")) {
    // models/layer_builder.h elementwise: RoPE rewrites each head's rope dims and the shared key's (in = out =
    // heads x rope + rope, models/op_catalog.cc), rows x (in + out) BF16 values forward, rows x (2 in + out) back.
    const MlaDims d = m.mla_dims();
    s.op = MemoryOp::kRope;
    s.rows = rows_of(std::int64_t{d.heads * d.qk_rope + d.qk_rope} * 2 * (backward ? 3 : 2), "tokens");
    return s;
  }
  if (kind == "elementwise" && name == "head.cross_entropy") {
    // models/op_catalog.cc head.cross_entropy (the fused kernel): each token's row of vocab BF16 logits read and its
    // loss written.
    s.op = MemoryOp::kCrossEntropy;
    s.rows = rows_of(std::int64_t{2} * (m.vocab_size + 1), "tokens");
    return s;
  }
  if (kind == "elementwise" &&
      (name.ends_with(".input_grad_sum") || name.ends_with(".residual_grad_sum") || name.ends_with(".residual_add"))) {
    // models/layer_builder.h gradient_sum: two BF16 gradients of an input read and their sum written (6 bytes a
    // value); its residual_add the same bytes forward, a block's output added to the residual stream.
    s.op = MemoryOp::kGradientSum;
    s.rows = rows_of(6, "values");
    return s;
  }
  const RoutingRule rule = m.routing_rule();
  if (kind == "router" && name.starts_with("moe.topk")) {
    // models/mlp_ops.cc moe.topk: each token's FP32 logits read (4 bytes an expert) forward, read twice backward.
    s.op = MemoryOp::kTopk;
    s.rows = rows_of(std::int64_t{4} * rule.num_experts * (backward ? 2 : 1), "tokens");
    return s;
  }
  if (kind == "router" && name.starts_with("moe.balance_loss")) {
    // models/mlp_ops.cc moe.balance_loss: each token's FP32 scores and int32 expert indices read (4 bytes an expert
    // and 4 an index) forward; its backward reads the scores and writes their gradient (8 bytes an expert).
    s.op = MemoryOp::kBalanceLoss;
    const std::int64_t experts = rule.num_experts;
    s.rows = rows_of(backward ? 8 * experts : 4 * (experts + rule.top_k), "tokens");
    return s;
  }
  if (kind == "permute" && name.starts_with("moe.permute")) {
    // models/mlp_ops.cc: moe.permute reads and writes each routed row (tokens x top_k of them) of BF16 values.
    s.op = MemoryOp::kPermute;
    s.rows = rows_of(std::int64_t{4} * m.hidden_size * rule.top_k, "tokens of top_k routed rows");
    return s;
  }
  if (kind == "permute" && name.starts_with("moe.combine_sum")) {
    // models/mlp_ops.cc: moe.combine_sum reads the routed rows and writes the tokens' rows.
    s.op = MemoryOp::kCombine;
    s.rows = rows_of(std::int64_t{2} * m.hidden_size * (rule.top_k + 1), "tokens");
    return s;
  }
  if (kind == "embedding" && (contains(name, "lookup") || contains(name, "scatter_add"))) {
    // models/op_catalog.cc: the lookup reads and writes each token's row of BF16 values (4 bytes a value); the
    // scatter-add reads the BF16 gradient and reads and writes the FP32 table gradient (10 bytes a value).
    s.op = MemoryOp::kEmbedding;
    s.backward = contains(name, "scatter_add");
    s.rows = rows_of(std::int64_t{m.hidden_size} * (s.backward ? 10 : 4), "tokens");
    return s;
  }
  return std::nullopt;
}

}  // namespace trainsim::kernels
