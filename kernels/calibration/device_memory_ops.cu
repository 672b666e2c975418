// The reduced model's memory-bound kernels for a calibration call (device_memory_ops.h).
#include "kernels/calibration/device_memory_ops.h"

#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <memory>
#include <vector>

#include "kernels/calibration/memory_op_shapes.h"
#include "kernels/common/cuda_check.cuh"
#include "kernels/common/device_buffer.cuh"
#include "kernels/common/random_fill.h"
#include "kernels/model/embedding_and_loss_kernels.cuh"
#include "kernels/model/expert_rows.h"
#include "kernels/model/memory_bound_kernels.cuh"
#include "kernels/model/routing_kernels.cuh"

namespace trainsim::kernels {
namespace {

namespace md = model_device;
using Bf16 = __nv_bfloat16;
using Buffer = DeviceBuffer<Bf16>;

std::size_t sz(std::int64_t x) { return static_cast<std::size_t>(x); }

// memory_bound_kernels.cuh's launch callable on the default stream, where calibration_run times its calls.
struct DefaultStream {
  template <class Kernel, class... Args>
  void operator()(dim3 grid, dim3 block, Kernel kernel, Args... args) const {
    kernel<<<grid, block, 0, nullptr>>>(args...);
    TS_CUDA_CHECK_LAUNCH();
  }
};

// `count` seeded values in [-1, 1) as BF16 (values do not change these kernels' time).
std::shared_ptr<Buffer> bf16_values(std::int64_t count, std::uint64_t seed) {
  const std::vector<double> x = uniform_doubles(sz(count), seed);
  std::vector<Bf16> host(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) host[i] = __float2bfloat16(float(x[i]));
  return std::make_shared<Buffer>(host);
}
template <class T>
std::shared_ptr<DeviceBuffer<T>> zeros(std::int64_t count) {
  return std::make_shared<DeviceBuffer<T>>(std::vector<T>(sz(count), T{}));
}

// calibration_ids on the device.
std::shared_ptr<DeviceBuffer<int>> spread_ids(int count, int modulus) {
  return std::make_shared<DeviceBuffer<int>>(calibration_ids(count, modulus));
}

DeviceMemoryOp norm(const MemoryOpShape& s, const model::ModelConfig& m) {
  const int rows = s.rows, width = s.width;
  const float eps = float(m.rms_norm_eps);
  const auto x = bf16_values(std::int64_t{rows} * width, 1), gamma = bf16_values(width, 2),
             out = bf16_values(std::int64_t{rows} * width, 3);
  if (!s.backward)
    return {{[=] { md::launch_rmsnorm(DefaultStream{}, x->get(), rows, width, width, gamma->get(), eps, out->get()); }},
            "rmsnorm_kernel bf16"};
  const auto dy = bf16_values(std::int64_t{rows} * width, 4);
  const auto inv = zeros<float>(rows), dgamma = zeros<float>(width);
  return {{[=] {
            md::launch_rmsnorm_backward(DefaultStream{}, x->get(), rows, width, width, gamma->get(), eps, dy->get(),
                                        out->get(), inv->get(), dgamma->get());
          }},
          "rmsnorm_backward_kernel + rmsnorm_gamma_gradient_kernel bf16"};
}

// One call per loop (per routed expert, on its rows), as the model issues them.
DeviceMemoryOp swiglu(const MemoryOpShape& s) {
  const int inter = s.width, rows = s.rows;
  const auto h = bf16_values(std::int64_t{rows} * 2 * inter, 1), d_act = bf16_values(std::int64_t{rows} * inter, 2);
  const auto act = bf16_values(std::int64_t{rows} * inter, 3), dh = bf16_values(std::int64_t{rows} * 2 * inter, 4);
  DeviceMemoryOp op;
  const bool backward = s.backward;
  std::int64_t first = 0;  // the loop's first row
  for (const int r : s.loop_rows) {
    if (r == 0) continue;  // an expert without rows runs nothing
    op.calls.push_back([=] {
      if (backward)
        md::launch_swiglu_backward(DefaultStream{}, h->get() + first * 2 * inter, std::int64_t{r}, inter,
                                   d_act->get() + first * inter, dh->get() + first * 2 * inter);
      else
        md::launch_swiglu(DefaultStream{}, h->get() + first * 2 * inter, std::int64_t{r}, inter,
                          act->get() + first * inter);
    });
    first += r;
  }
  const std::string per_expert = s.loop_rows.size() > 1 ? " per expert" : "";
  op.kernel = (backward ? "swiglu_backward_kernel bf16" : "swiglu_kernel bf16") + per_expert;
  return op;
}

std::optional<DeviceMemoryOp> rope(const MemoryOpShape& s, const model::ModelConfig& m) {
  const MlaDims d = m.mla_dims();
  if (d.qk_rope > md::kMaxRopeDims) return std::nullopt;  // the back-end runs the CPU reference then
  const md::RopeDims dims{d.heads, d.qk_nope, d.qk_rope, d.v_dim, d.kv_lora, d.rope_theta};
  const int tokens = s.rows;
  std::vector<int> host_positions(sz(tokens));
  for (int t = 0; t < tokens; ++t) host_positions[sz(t)] = t;
  const auto positions = std::make_shared<DeviceBuffer<int>>(host_positions);
  const std::int64_t heads_rows = std::int64_t{tokens} * d.heads;
  const auto q_up = bf16_values(heads_rows * d.qk_dim(), 1), kv_up = bf16_values(heads_rows * d.kv_up_dim(), 2),
             kv_down = bf16_values(std::int64_t{tokens} * d.kv_down_dim(), 3);
  const auto q = bf16_values(heads_rows * d.qk_dim(), 4), k = bf16_values(heads_rows * d.qk_dim(), 5),
             v = bf16_values(heads_rows * d.v_dim, 6);
  if (!s.backward)
    return DeviceMemoryOp{{[=] {
                            md::launch_rope_assemble(DefaultStream{}, dims, tokens, positions->get(), q_up->get(),
                                                     kv_up->get(), kv_down->get(), q->get(), k->get(), v->get());
                          }},
                          "rope_assemble_kernel bf16"};
  return DeviceMemoryOp{{[=] {
                          md::launch_rope_assemble_backward(DefaultStream{}, dims, tokens, positions->get(), q->get(),
                                                            k->get(), v->get(), q_up->get(), kv_up->get(),
                                                            kv_down->get());
                        }},
                        "rope_assemble_backward_kernel bf16"};
}

DeviceMemoryOp gradient_sum(const MemoryOpShape& s) {
  const std::int64_t values = s.rows;
  const auto sum = bf16_values(values, 1), other = bf16_values(values, 2);
  return {{[=] { md::launch_add(DefaultStream{}, sum->get(), other->get(), values); }}, "add_kernel bf16"};
}

// Every expert's gather or scatter-add (kPermute), combine or its backward (kCombine), one call per expert with rows,
// on the model's routing of the call's tokens (calibration_routing).
DeviceMemoryOp expert_rows_op(const MemoryOpShape& s, const model::ModelConfig& m) {
  const RoutingRule rule = m.routing_rule();
  const int hidden = m.hidden_size, tokens = s.rows;
  const CalibrationRouting routing = calibration_routing(rule, tokens);
  const std::int64_t routed = std::int64_t{tokens} * rule.top_k;
  const auto x = bf16_values(std::int64_t{tokens} * hidden, 1), rows = bf16_values(routed * hidden, 2),
             d_rows = bf16_values(routed * hidden, 3);
  const auto sums = zeros<float>(std::int64_t{tokens} * hidden), d_gates = zeros<float>(routed);
  const bool combine = s.op == MemoryOp::kCombine, backward = s.backward;
  DeviceMemoryOp op;
  for (int e = 0; e < rule.num_experts; ++e) {
    const model::ExpertRows r = model::expert_rows(routing.layout, e);
    const int count = int(r.token_of_row.size());
    if (count == 0) continue;
    const auto token_of_row = std::make_shared<DeviceBuffer<int>>(r.token_of_row);
    std::vector<float> host_gates;
    for (const std::int64_t slot : r.slot_of_row) host_gates.push_back(float(routing.gates[sz(slot)]));
    const auto gate_of_row = std::make_shared<DeviceBuffer<float>>(host_gates);
    const std::int64_t first_row = routing.layout.offsets[sz(e)], first = first_row * hidden;  // in the routed rows
    op.calls.push_back([=] {
      if (!combine && !backward)
        md::launch_gather_rows(DefaultStream{}, token_of_row->get(), count, x->get(), hidden, rows->get() + first);
      else if (!combine)
        md::launch_scatter_add_rows(DefaultStream{}, token_of_row->get(), count, rows->get() + first, hidden,
                                    sums->get());
      else if (!backward)
        md::launch_combine_rows(DefaultStream{}, token_of_row->get(), gate_of_row->get(), count, rows->get() + first,
                                hidden, sums->get());
      else
        md::launch_combine_rows_backward(DefaultStream{}, token_of_row->get(), gate_of_row->get(), count,
                                         rows->get() + first, x->get(), hidden, d_rows->get() + first,
                                         d_gates->get() + first_row);
    });
  }
  const char* kernel = !combine ? (backward ? "scatter_add_rows_kernel" : "gather_rows_kernel")
                                : (backward ? "combine_rows_backward_kernel" : "combine_rows_kernel");
  op.kernel = std::string(kernel) + " bf16 per expert";
  return op;
}

// The lookup of the call's tokens (BF16 rows) or its gradient's scatter-add into an FP32 table gradient.
DeviceMemoryOp embedding(const MemoryOpShape& s, const model::ModelConfig& m) {
  const int hidden = m.hidden_size, tokens = s.rows;
  const auto ids = spread_ids(tokens, m.vocab_size);
  if (!s.backward) {
    const auto table = bf16_values(std::int64_t{m.vocab_size} * hidden, 1),
               out = bf16_values(std::int64_t{tokens} * hidden, 2);
    return {{[=] {
              md::launch_embedding_gather(DefaultStream{}, ids->get(), tokens, table->get(), hidden, out->get());
            }},
            "embedding_gather_kernel bf16"};
  }
  const auto dy = bf16_values(std::int64_t{tokens} * hidden, 3);
  const auto d_table = zeros<float>(std::int64_t{m.vocab_size} * hidden);
  return {{[=] {
            md::launch_embedding_scatter_add(DefaultStream{}, ids->get(), tokens, dy->get(), hidden, d_table->get());
          }},
          "embedding_scatter_add_kernel bf16"};
}

// The loss and the logits' gradient in one kernel, on FP64 logits as the model runs it (its head's precision,
// kOriginalPrecision), every token with a target.
DeviceMemoryOp cross_entropy(const MemoryOpShape& s, const model::ModelConfig& m) {
  const int vocab = m.vocab_size, tokens = s.rows;
  const auto logits = std::make_shared<DeviceBuffer<double>>(uniform_doubles(sz(std::int64_t{tokens} * vocab), 1));
  const auto targets = spread_ids(tokens, vocab);
  const auto d_logits = zeros<double>(std::int64_t{tokens} * vocab), loss_of_row = zeros<double>(tokens);
  return {{[=] {
            md::launch_cross_entropy(DefaultStream{}, logits->get(), tokens, vocab, targets->get(), double(tokens),
                                     d_logits->get(), loss_of_row->get());
          }},
          "cross_entropy_kernel fp64 (with its gradient)"};
}

// The router's choice and gates then the experts' layout (forward: the model's two calls) or the gates' gradient into
// the logits (backward), FP64 as the model routes, on the model's routing of the call's tokens (calibration_routing).
DeviceMemoryOp router(const MemoryOpShape& s, const model::ModelConfig& m) {
  const RoutingRule rule = m.routing_rule();
  const int tokens = s.rows;
  const CalibrationRouting routing = calibration_routing(rule, tokens);
  const auto logits = std::make_shared<DeviceBuffer<double>>(routing.logits);
  const auto gates = std::make_shared<DeviceBuffer<double>>(routing.gates);
  const auto ids = std::make_shared<DeviceBuffer<int>>(routing.expert_ids);
  if (!s.backward) {
    const auto bias = std::make_shared<DeviceBuffer<double>>(uniform_doubles(sz(rule.num_experts), 8));
    const int slots = tokens * rule.top_k, experts = rule.num_experts;
    const auto counts = zeros<std::int64_t>(experts), offsets = zeros<std::int64_t>(experts + 1),
               row_of = zeros<std::int64_t>(slots), slot_of = zeros<std::int64_t>(slots);
    return {{[=] {
               md::launch_route(DefaultStream{}, rule, logits->get(), bias->get(), tokens, ids->get(), gates->get());
             },
             [=] {
               md::launch_expert_layout(DefaultStream{}, ids->get(), slots, experts, 1, counts->get(), offsets->get(),
                                        row_of->get(), slot_of->get());
             }},
            "route_kernel + expert_layout_kernel fp64"};
  }
  const auto d_gates = std::make_shared<DeviceBuffer<double>>(uniform_doubles(routing.gates.size(), 9));
  const auto d_logits = zeros<double>(std::int64_t{tokens} * rule.num_experts);
  return {{[=] {
            md::launch_gate_backward(DefaultStream{}, rule, logits->get(), ids->get(), gates->get(), d_gates->get(),
                                     tokens, d_logits->get());
          }},
          "gate_backward_kernel fp64"};
}

// The balance loss with its gradient over one sequence of the call's tokens (the model's kernel computes both in its
// forward; the catalog's backward op stays a copy of its bytes).
std::optional<DeviceMemoryOp> balance_loss(const MemoryOpShape& s, const model::ModelConfig& m) {
  if (s.backward) return std::nullopt;
  const RoutingRule rule = m.routing_rule();
  const int tokens = s.rows;
  const CalibrationRouting routing = calibration_routing(rule, tokens);
  const auto logits = std::make_shared<DeviceBuffer<double>>(routing.logits);
  const auto ids = std::make_shared<DeviceBuffer<int>>(routing.expert_ids);
  const auto cu_seqlens = std::make_shared<DeviceBuffer<int>>(std::vector<int>{0, tokens});
  const auto score_sum = zeros<double>(tokens), loss = zeros<double>(1),
             d_logits = zeros<double>(std::int64_t{tokens} * rule.num_experts);
  const double alpha = m.balance_loss_alpha;
  return DeviceMemoryOp{
      {[=] {
        md::launch_balance_loss(DefaultStream{}, rule, cu_seqlens->get(), 1, logits->get(), ids->get(), alpha,
                                score_sum->get(), loss->get(), d_logits->get());
      }},
      "balance_loss_kernel fp64 (with its gradient)"};
}

}  // namespace

std::optional<DeviceMemoryOp> device_memory_op(const CalibrationCall& call, const std::string& name,
                                               const model::ModelConfig& config) {
  const std::optional<MemoryOpShape> shape = memory_op_shape(call, name, config);
  if (!shape) return std::nullopt;
  switch (shape->op) {
    case MemoryOp::kNorm: return norm(*shape, config);
    case MemoryOp::kSwiglu: return swiglu(*shape);
    case MemoryOp::kRope: return rope(*shape, config);
    case MemoryOp::kGradientSum: return gradient_sum(*shape);
    case MemoryOp::kPermute:
    case MemoryOp::kCombine: return expert_rows_op(*shape, config);
    case MemoryOp::kEmbedding: return embedding(*shape, config);
    case MemoryOp::kCrossEntropy: return cross_entropy(*shape, config);
    case MemoryOp::kTopk: return router(*shape, config);
    case MemoryOp::kBalanceLoss: return balance_loss(*shape, config);
  }
  return std::nullopt;
}

}  // namespace trainsim::kernels
