// AdamW (arXiv 1711.05101: Adam, arXiv 1412.6980, with decoupled weight decay) as DeepSeek-V3 trains with it:
// FP32 master weights, first and second moments stored in BF16 (arXiv 2412.19437, section 3.3.3), beta1 0.9,
// beta2 0.95, weight decay 0.1 (section 4.2).
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "kernels/model/model_parameters.h"

namespace trainsim::kernels::model {

// Defaults: DeepSeek-V3's betas and decay (docs/sources.md#reduced-deepseek-v3); the learning rate is the caller's.
struct AdamWConfig {
  double learning_rate = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.95;
  double eps = 1e-8;
  double weight_decay = 0.1;
};

// One tensor's optimizer state.
struct AdamWState {
  std::vector<float> master;     // FP32 master weights
  std::vector<uint16_t> m_bf16;  // first moment, BF16 bits
  std::vector<uint16_t> v_bf16;  // second moment, BF16 bits
};

AdamWState adamw_state(std::span<const double> weights);  // master = the weights rounded to FP32, moments 0

// One step's constants in FP32, as adamw_step computes with them: the betas, 1 - each beta (in FP32), the learning
// rate, the bias corrections 1 - beta^t (in FP64, then rounded), eps and the tensor's decay. The CUDA back-end's
// kernel (optimizer_kernels.cuh) takes the same.
struct AdamWStepConstants {
  float beta1 = 0, beta2 = 0, one_minus_beta1 = 0, one_minus_beta2 = 0;
  float learning_rate = 0, correction1 = 0, correction2 = 0, eps = 0, decay = 0;
};
AdamWStepConstants adamw_step_constants(const AdamWConfig& config, int step, double weight_decay);

// Step t (1-based) on one tensor, in FP32 from the BF16 moments, each moment rounded to BF16 (nearest even) when
// stored: m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; w -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
// + lr decay w (decoupled: not through the moments). Writes the new master weights into `weights` (as doubles).
void adamw_step(const AdamWConfig& config, int step, double weight_decay, std::span<const double> grad,
                AdamWState& state, std::span<double> weights);

// One tensor of a step over many (ComputeBackend::adamw_step): its decay, gradient, state and weights.
struct AdamWTensor {
  double weight_decay = 0;
  std::span<const double> grad;
  AdamWState* state = nullptr;
  std::span<double> weights;
};

// AdamW over every tensor of the model, in one call to the thread's back-end (compute_backend.h: a device runs it
// as frameworks' fused multi-tensor step does, a launch per decay over every tensor). Gains (RMSNorm) are not
// decayed: decay pulls toward 0, not toward their neutral value 1.
class AdamW {
 public:
  AdamW(const AdamWConfig& config, const ModelWeights& weights);
  void step(ModelWeights& weights, const ModelWeights& grads);
  int steps_taken() const { return step_; }

 private:
  AdamWConfig config_;
  int step_ = 0;
  std::vector<AdamWState> states_;  // in for_each_parameter order
};

}  // namespace trainsim::kernels::model
