// AdamW with BF16 moment storage (formulas in adamw.h); BF16 rounding from kernels/mla/bf16_host.h.
#include "kernels/model/adamw.h"

#include <cmath>
#include <stdexcept>

#include "kernels/mla/bf16_host.h"

namespace trainsim::kernels::model {

AdamWState adamw_state(std::span<const double> weights) {
  AdamWState s;
  s.master.assign(weights.begin(), weights.end());
  s.m_bf16.assign(weights.size(), float_to_bf16_bits(0.0f));
  s.v_bf16.assign(weights.size(), float_to_bf16_bits(0.0f));
  return s;
}

void adamw_step(const AdamWConfig& config, int step, double weight_decay, std::span<const double> grad,
                AdamWState& state, std::span<double> weights) {
  if (step < 1) throw std::invalid_argument("adamw_step: steps count from 1");
  if (grad.size() != state.master.size() || weights.size() != state.master.size())
    throw std::invalid_argument("adamw_step: gradient, state and weights differ in size");
  const float b1 = float(config.beta1), b2 = float(config.beta2), lr = float(config.learning_rate);
  const float correction1 = float(1 - std::pow(config.beta1, step));
  const float correction2 = float(1 - std::pow(config.beta2, step));
  const float decay = float(weight_decay), eps = float(config.eps);
  for (size_t i = 0; i < grad.size(); ++i) {
    const float g = float(grad[i]);
    const float m = round_to_bf16(b1 * bf16_bits_to_float(state.m_bf16[i]) + (1 - b1) * g);
    const float v = round_to_bf16(b2 * bf16_bits_to_float(state.v_bf16[i]) + (1 - b2) * g * g);
    state.m_bf16[i] = float_to_bf16_bits(m);
    state.v_bf16[i] = float_to_bf16_bits(v);
    float& w = state.master[i];
    w -= lr * ((m / correction1) / (std::sqrt(v / correction2) + eps) + decay * w);
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
  size_t tensor = 0;
  for_each_parameter(weights, grads,
                     [&](const std::string&, int fan_in, std::vector<double>& w, const std::vector<double>& g) {
                       const double decay = fan_in == kGainVector ? 0.0 : config_.weight_decay;
                       adamw_step(config_, step_, decay, g, states_.at(tensor++), w);
                     });
}

}  // namespace trainsim::kernels::model
