// AdamW with BF16 moment storage (formulas in adamw.h); BF16 rounding from kernels/mla/bf16_host.h.
#include "kernels/model/adamw.h"

#include <cmath>
#include <stdexcept>

#include "kernels/mla/bf16_host.h"
#include "kernels/model/compute_backend.h"

namespace trainsim::kernels::model {

AdamWState adamw_state(std::span<const double> weights) {
  AdamWState s;
  s.master.assign(weights.begin(), weights.end());
  s.m_bf16.assign(weights.size(), float_to_bf16_bits(0.0f));
  s.v_bf16.assign(weights.size(), float_to_bf16_bits(0.0f));
  return s;
}

AdamWStepConstants adamw_step_constants(const AdamWConfig& config, int step, double weight_decay) {
  if (step < 1) throw std::invalid_argument("adamw_step: steps count from 1");
  AdamWStepConstants c;
  c.beta1 = float(config.beta1);
  c.beta2 = float(config.beta2);
  c.one_minus_beta1 = 1 - c.beta1;
  c.one_minus_beta2 = 1 - c.beta2;
  c.learning_rate = float(config.learning_rate);
  c.correction1 = float(1 - std::pow(config.beta1, step));
  c.correction2 = float(1 - std::pow(config.beta2, step));
  c.eps = float(config.eps);
  c.decay = float(weight_decay);
  return c;
}

void adamw_step(const AdamWConfig& config, int step, double weight_decay, std::span<const double> grad,
                AdamWState& state, std::span<double> weights) {
  const AdamWStepConstants c = adamw_step_constants(config, step, weight_decay);
  if (grad.size() != state.master.size() || weights.size() != state.master.size())
    throw std::invalid_argument("adamw_step: gradient, state and weights differ in size");
  for (size_t i = 0; i < grad.size(); ++i) {
    const float g = float(grad[i]);
    const float m = round_to_bf16(c.beta1 * bf16_bits_to_float(state.m_bf16[i]) + c.one_minus_beta1 * g);
    const float v = round_to_bf16(c.beta2 * bf16_bits_to_float(state.v_bf16[i]) + c.one_minus_beta2 * g * g);
    state.m_bf16[i] = float_to_bf16_bits(m);
    state.v_bf16[i] = float_to_bf16_bits(v);
    float& w = state.master[i];
    w -= c.learning_rate * ((m / c.correction1) / (std::sqrt(v / c.correction2) + c.eps) + c.decay * w);
    weights[i] = w;
  }
}

AdamW::AdamW(const AdamWConfig& config, const ModelWeights& weights) : config_(config) {
  for_each_parameter(weights, weights, [&](const std::string&, int, const std::vector<double>& t, const auto&) {
    states_.push_back(adamw_state(t));
  });
}

void AdamW::step(ModelWeights& weights, const ModelWeights& grads) {
  ++step_;
  std::vector<AdamWTensor> tensors;
  for_each_parameter(weights, grads,
                     [&](const std::string&, int fan_in, std::vector<double>& w, const std::vector<double>& g) {
                       const double decay = fan_in == kGainVector ? 0.0 : config_.weight_decay;
                       tensors.push_back({decay, g, &states_.at(tensors.size()), w});
                     });
  current_backend().adamw_step(config_, step_, tensors);
}

}  // namespace trainsim::kernels::model
