// The reduced DeepSeek-V3's parameter tensors (main layers, shared embedding and head, MTP modules) and one
// walk over them in a fixed order with a name and fan-in per tensor, for initialisation, gradients and AdamW.
#pragma once
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "kernels/model/mtp_module.h"

namespace trainsim::kernels::model {

struct ModelWeights {
  std::vector<double> embed;  // [vocab][hidden], shared with the MTP modules
  std::vector<BlockWeights> layers;
  std::vector<double> final_norm;  // [hidden]
  std::vector<double> head;        // [vocab][hidden], shared with the MTP modules (untied from embed, as in V3)
  std::vector<MtpWeights> mtp;     // [num_nextn_predict_layers]

  static ModelWeights zeros(const ModelConfig& c);
};

// fn(name, fan_in, tensor_of_a, tensor_of_b) for each parameter tensor of a and b, two weight sets of one config
// (values and gradients, say). fan_in: a matrix's input width; kGainVector for an RMSNorm gain; 1 for the
// embedding table.
inline constexpr int kGainVector = 0;

namespace detail {
template <typename A, typename B, typename Fn>
void visit_swiglu(const std::string& p, A& a, B& b, Fn& fn) {
  fn(p + ".w_gate_up", a.hidden, a.w_gate_up, b.w_gate_up);
  fn(p + ".w_down", a.inter, a.w_down, b.w_down);
}

// The block's width from its own gain, not the model's: a pipeline stage that holds the block may hold no final norm
// (pipeline_stage.h), and a block the stage does not hold has no tensors (and its fan-ins then matter to nothing).
template <typename A, typename B, typename Fn>
void visit_block(const std::string& p, A& a, B& b, Fn& fn) {
  const int hidden = int(a.attn_norm.size());
  fn(p + ".attn_norm", kGainVector, a.attn_norm, b.attn_norm);
  const int q_lora = int(a.mla.gamma_q.size()), kv_lora = int(a.mla.gamma_kv.size());
  fn(p + ".mla.w_dq", hidden, a.mla.w_dq, b.mla.w_dq);
  fn(p + ".mla.gamma_q", kGainVector, a.mla.gamma_q, b.mla.gamma_q);
  fn(p + ".mla.w_uq", q_lora, a.mla.w_uq, b.mla.w_uq);
  fn(p + ".mla.w_dkv", hidden, a.mla.w_dkv, b.mla.w_dkv);
  fn(p + ".mla.gamma_kv", kGainVector, a.mla.gamma_kv, b.mla.gamma_kv);
  fn(p + ".mla.w_ukv", kv_lora, a.mla.w_ukv, b.mla.w_ukv);
  fn(p + ".mla.w_o", hidden > 0 ? int(a.mla.w_o.size()) / hidden : 0, a.mla.w_o, b.mla.w_o);
  fn(p + ".ffn_norm", kGainVector, a.ffn_norm, b.ffn_norm);
  if (!a.is_moe) return visit_swiglu(p + ".mlp", a.dense, b.dense, fn);
  fn(p + ".moe.router", hidden, a.moe.w_router, b.moe.w_router);
  if (a.moe.shared.inter > 0) visit_swiglu(p + ".moe.shared", a.moe.shared, b.moe.shared, fn);
  for (size_t e = 0; e < a.moe.experts.size(); ++e)
    visit_swiglu(p + ".moe.experts." + std::to_string(e), a.moe.experts[e], b.moe.experts[e], fn);
}
}  // namespace detail

template <typename A, typename B, typename Fn>
void for_each_parameter(A& a, B& b, Fn&& fn) {
  const int hidden = int(a.final_norm.size());
  fn(std::string("embed"), 1, a.embed, b.embed);
  for (size_t l = 0; l < a.layers.size(); ++l)
    detail::visit_block("layers." + std::to_string(l), a.layers[l], b.layers[l], fn);
  fn(std::string("final_norm"), kGainVector, a.final_norm, b.final_norm);
  fn(std::string("head"), hidden, a.head, b.head);
  for (size_t k = 0; k < a.mtp.size(); ++k) {
    const std::string p = "mtp." + std::to_string(k);
    fn(p + ".hnorm", kGainVector, a.mtp[k].hnorm, b.mtp[k].hnorm);
    fn(p + ".enorm", kGainVector, a.mtp[k].enorm, b.mtp[k].enorm);
    fn(p + ".proj", 2 * hidden, a.mtp[k].proj, b.mtp[k].proj);
    detail::visit_block(p + ".block", a.mtp[k].block, b.mtp[k].block, fn);
    fn(p + ".final_norm", kGainVector, a.mtp[k].final_norm, b.mtp[k].final_norm);
  }
}

// Seeded initialisation: gains 1, the embedding normal(0, 1), every matrix normal(0, 1/sqrt(fan_in)) (variance
// preserving); the same seed gives the same weights.
ModelWeights init_weights(const ModelConfig& c, unsigned long long seed);

size_t parameter_count(const ModelWeights& w);

// Every tensor of `w` set to 0 in place, keeping its storage: how a training framework clears its gradient buffer
// between steps (Megatron-LM's zero_grad_buffer, a memset of the buffer it keeps), so that a step's backward
// accumulates into the buffer the last one used rather than into memory allocated afresh.
void zero_gradients(ModelWeights& w);

// The values of the tensors `which` selects by name (empty: all), end to end in the walk's order: one buffer to
// reduce or send whole, as frameworks reduce gradient buckets rather than tensors.
using ParameterFilter = std::function<bool(const std::string& name)>;
std::vector<double> packed_parameters(const ModelWeights& w, const ParameterFilter& which = {});
// Its inverse: the selected tensors of `w` take `values` in the same order (throws unless the sizes agree).
void unpack_parameters(ModelWeights& w, std::span<const double> values, const ParameterFilter& which = {});
// Every value of `w` divided by `divisor` (a sum of gradients made a mean).
void divide_parameters(ModelWeights& w, double divisor);
// The largest |a - b| over the tensors `a` holds (a rank's: another rank's experts and another stage's layers are
// empty there), relative to the largest |b| over the same tensors.
double largest_relative_difference(const ModelWeights& a, const ModelWeights& b);

}  // namespace trainsim::kernels::model
