// The routing and the optimizer of a device back-end (compute_backend.h) on routing_kernels.cuh's and
// optimizer_kernels.cuh's kernels, over a back-end that already runs the memory-bound ops on the device
// (memory_bound_on_device.cuh, whose timing hooks and launch callable these calls use): the CUDA back-end's
// (cuda_backend.cu), and in CI the same calls over the emulated kernels (tests/kernels/model/
// emulated_memory_bound_backend.h). Each call uploads its operands, runs its kernels between the hooks and reads the
// results back, as the memory-bound calls do; calls the kernels cannot take (sizes that do not match, a rule out of
// range) run the CPU reference, whose error is the answer. ModelOpsOnDevice<Buffer, Launch, Base> is the whole
// stack. In the calls, d_<name> is <name>'s copy on the device.
#pragma once
#include <algorithm>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/model/adamw.h"
#include "kernels/model/compute_backend.h"
#include "kernels/model/device_transfers.cuh"
#include "kernels/model/memory_bound_on_device.cuh"
#include "kernels/model/model_parameters.h"
#include "kernels/model/optimizer_kernels.cuh"
#include "kernels/model/routing_kernels.cuh"
#include "kernels/model/sequence_balance_loss.h"
#include "kernels/moe/router_ref.h"

namespace trainsim::kernels::model {

template <template <class> class Buffer, class Launch, class Base>
class RoutingAndOptimizerOnDevice : public Base {
  using X = DeviceTransfers<Buffer>;

 public:
  // The routing in FP64 (the gate's precision): a thread a token for the choice and for the gates' gradient, a
  // block a sequence for the balance loss.
  void route(const RoutingRule& rule, std::span<const double> logits, std::span<const double> bias,
             std::span<int> expert_ids, std::span<double> gates) override {
    const size_t tokens = rule.num_experts > 0 ? logits.size() / size_t(rule.num_experts) : 0;
    if (routing_rule_error(rule) != nullptr || tokens == 0 || logits.size() != tokens * rule.num_experts ||
        (!bias.empty() && bias.size() != size_t(rule.num_experts)) || expert_ids.size() != tokens * rule.top_k ||
        gates.size() != tokens * rule.top_k)
      return router_ref(rule, logits, bias, expert_ids, gates);  // its error, or nothing to route
    const Buffer<double> d_logits = X::template upload_as<double>(logits), d_bias = X::template upload_as<double>(bias);
    Buffer<int> d_ids(expert_ids.size());
    Buffer<double> d_gates(gates.size());
    this->start_memory_bound_kernels();
    md::launch_route(this->memory_bound_launch(), rule, d_logits.get(), bias.empty() ? nullptr : d_bias.get(),
                     int(tokens), d_ids.get(), d_gates.get());
    this->end_memory_bound_kernels();
    const std::vector<int> ids = d_ids.download();
    std::copy(ids.begin(), ids.end(), expert_ids.begin());
    X::copy_into(X::read_back(d_gates), gates);
  }

  // The layout's arrays come back as the reference's (int64), slot_of cut to the rows the offsets give.
  ExpertLayout plan_expert_layout(std::span<const int> expert_ids, int top_k, int num_experts,
                                  int align_rows) override {
    if (top_k < 1 || num_experts < 1 || align_rows < 1 || expert_ids.size() % size_t(top_k) != 0 ||
        expert_ids.empty())
      return kernels::plan_expert_layout(expert_ids, top_k, num_experts, align_rows);  // its error, or no slots
    const int slots = int(expert_ids.size());
    const Buffer<int> d_ids(std::vector<int>(expert_ids.begin(), expert_ids.end()));
    Buffer<int64_t> counts{size_t(num_experts)}, offsets{size_t(num_experts) + 1}, row_of{size_t(slots)},
        slot_of{size_t(slots) + size_t(num_experts) * size_t(align_rows - 1)};
    this->start_memory_bound_kernels();
    md::launch_expert_layout(this->memory_bound_launch(), d_ids.get(), slots, num_experts, align_rows, counts.get(),
                             offsets.get(), row_of.get(), slot_of.get());
    this->end_memory_bound_kernels();
    ExpertLayout layout;
    layout.num_experts = num_experts;
    layout.top_k = top_k;
    layout.align_rows = align_rows;
    layout.counts = counts.download();
    layout.offsets = offsets.download();
    layout.row_of = row_of.download();
    layout.slot_of = slot_of.download();
    layout.slot_of.resize(size_t(layout.offsets.back()));
    return layout;
  }

  void gate_backward(const RoutingRule& rule, std::span<const double> logits, std::span<const int> expert_ids,
                     std::span<const double> gates, std::span<const double> d_gates,
                     std::span<double> d_logits) override {
    const size_t tokens = rule.num_experts > 0 ? logits.size() / size_t(rule.num_experts) : 0;
    if (tokens == 0) return;
    if (expert_ids.size() != tokens * rule.top_k || gates.size() != expert_ids.size() ||
        d_gates.size() != expert_ids.size() || d_logits.size() != logits.size() ||
        !X::all_below(expert_ids, size_t(rule.num_experts)))
      throw std::invalid_argument("gate_backward: sizes or experts do not match the rule's");
    const Buffer<double> d_logit_values = X::template upload_as<double>(logits),
                         d_gate_values = X::template upload_as<double>(gates),
                         d_d_gates = X::template upload_as<double>(d_gates);
    const Buffer<int> d_ids(std::vector<int>(expert_ids.begin(), expert_ids.end()));
    Buffer<double> d_d_logits = X::template upload_as<double>(d_logits);
    this->start_memory_bound_kernels();
    md::launch_gate_backward(this->memory_bound_launch(), rule, d_logit_values.get(), d_ids.get(), d_gate_values.get(),
                             d_d_gates.get(), int(tokens), d_d_logits.get());
    this->end_memory_bound_kernels();
    X::copy_into(X::read_back(d_d_logits), d_logits);
  }

  BalanceLoss balance_loss(const RoutingRule& rule, const VarlenBatch& batch, std::span<const double> logits,
                           std::span<const int> expert_ids, double alpha) override {
    const int tokens = batch.total_tokens(), sequences = batch.sequences();
    if (rule.scoring != RouterScoring::kSigmoid || tokens == 0 || rule.num_experts > kMaxRoutedExperts ||
        logits.size() != size_t(tokens) * rule.num_experts || expert_ids.size() != size_t(tokens) * rule.top_k)
      return sequence_balance_loss(rule, batch, logits, expert_ids, alpha);  // its error, or nothing to weigh
    const Buffer<double> d_logits = X::template upload_as<double>(logits);
    const Buffer<int> d_ids(std::vector<int>(expert_ids.begin(), expert_ids.end())), d_cu(batch.cu_seqlens);
    Buffer<double> score_sum{size_t(tokens)}, loss_of_sequence{size_t(sequences)}, gradient(logits.size());
    this->start_memory_bound_kernels();
    md::launch_balance_loss(this->memory_bound_launch(), rule, d_cu.get(), sequences, d_logits.get(), d_ids.get(),
                            alpha, score_sum.get(), loss_of_sequence.get(), gradient.get());
    this->end_memory_bound_kernels();
    BalanceLoss out;
    for (const double loss : X::read_back(loss_of_sequence)) out.loss += loss;  // sequences in order, as the reference
    out.d_logits = X::read_back(gradient);
    return out;
  }

  // The master weights and the gradients as FP32, the moments as BF16, as adamw.h keeps them; the tensors of one decay
  // laid end to end and stepped by one launch, as a framework's fused multi-tensor step (DeepSeek-V3's decayed
  // weights and its undecayed gains: two launches).
  void adamw_step(const AdamWConfig& config, int step, std::span<const AdamWTensor> tensors) override {
    for (const AdamWTensor& t : tensors) {
      const size_t count = t.state->master.size();
      if (step < 1 || t.grad.size() != count || t.weights.size() != count || t.state->m_bf16.size() != count ||
          t.state->v_bf16.size() != count)
        return model::adamw_step(config, step, t.weight_decay, t.grad, *t.state, t.weights);  // its error
    }
    std::vector<double> decays;
    for (const AdamWTensor& t : tensors)
      if (std::find(decays.begin(), decays.end(), t.weight_decay) == decays.end()) decays.push_back(t.weight_decay);
    for (const double decay : decays) {
      std::vector<float> grad, master;
      std::vector<uint16_t> m, v;
      for (const AdamWTensor& t : tensors) {
        if (t.weight_decay != decay) continue;
        grad.insert(grad.end(), t.grad.begin(), t.grad.end());  // FP64 to FP32, nearest even, as adamw_step reads it
        master.insert(master.end(), t.state->master.begin(), t.state->master.end());
        m.insert(m.end(), t.state->m_bf16.begin(), t.state->m_bf16.end());
        v.insert(v.end(), t.state->v_bf16.begin(), t.state->v_bf16.end());
      }
      if (grad.empty()) continue;
      const Buffer<float> d_grad(grad);
      Buffer<float> d_master(master);
      Buffer<__nv_bfloat16> d_m(X::bf16_of_bits(m)), d_v(X::bf16_of_bits(v));
      this->start_memory_bound_kernels();
      md::launch_adamw(this->memory_bound_launch(), adamw_step_constants(config, step, decay), d_grad.get(),
                       d_master.get(), d_m.get(), d_v.get(), int64_t(grad.size()));
      this->end_memory_bound_kernels();
      master = d_master.download();
      m = X::bits_of_bf16(d_m.download());
      v = X::bits_of_bf16(d_v.download());
      size_t at = 0;
      for (const AdamWTensor& t : tensors) {
        if (t.weight_decay != decay) continue;
        const size_t count = t.grad.size();
        std::copy_n(master.begin() + at, count, t.state->master.begin());
        std::copy_n(m.begin() + at, count, t.state->m_bf16.begin());
        std::copy_n(v.begin() + at, count, t.state->v_bf16.begin());
        std::copy_n(master.begin() + at, count, t.weights.begin());
        at += count;
      }
    }
  }

  // Every gradient of the model in one FP32 buffer (the device's gradient buffer), zeroed by one launch, read back.
  void zero_gradients(ModelWeights& grads) override {
    size_t count = 0;
    for_each_parameter(grads, grads, [&](const std::string&, int, std::vector<double>& t, std::vector<double>&) {
      count += t.size();
    });
    if (count == 0) return;
    Buffer<float> buffer(count);
    this->start_memory_bound_kernels();
    md::launch_zero(this->memory_bound_launch(), buffer.get(), int64_t(count));
    this->end_memory_bound_kernels();
    const std::vector<double> zeroed = X::read_back(buffer);
    size_t at = 0;
    for_each_parameter(grads, grads, [&](const std::string&, int, std::vector<double>& t, std::vector<double>&) {
      std::copy_n(zeroed.begin() + at, t.size(), t.begin());
      at += t.size();
    });
  }
};

// Every op a device back-end runs besides the GEMMs and the attention core: the memory-bound ops, the two ends, the
// routing and the optimizer. A back-end derives from it and gives MemoryBoundOnDevice's three hooks.
template <template <class> class Buffer, class Launch, class Base = ComputeBackend>
using ModelOpsOnDevice = RoutingAndOptimizerOnDevice<Buffer, Launch, MemoryBoundOnDevice<Buffer, Launch, Base>>;

}  // namespace trainsim::kernels::model
