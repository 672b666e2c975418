// AdamW with FP32 master weights and BF16 moments against hand laws: the first step moves each weight by the
// learning rate (m_hat / sqrt(v_hat) = sign(g)), decay is decoupled from the moments, moments are BF16 rounded
// to nearest even, master weights stay FP32, and a constant gradient keeps the step near the learning rate.
#include "kernels/model/adamw.h"

#include <gtest/gtest.h>

#include <cmath>

#include "kernels/mla/bf16_host.h"
#include "tests/kernels/model/model_test_util.h"

namespace trainsim::kernels::model {
namespace {

TEST(AdamW, Bf16RoundingIsToNearestEven) {
  // BF16 keeps 7 fraction bits: near 1 its spacing is 2^-7, so 1 + 2^-8 is a tie.
  EXPECT_EQ(round_to_bf16(1.0f + 0x1p-8f), 1.0f);                       // tie: to the even fraction 0
  EXPECT_EQ(round_to_bf16(1.0f + 3 * 0x1p-8f), 1.0f + 0x1p-6f);         // tie between fractions 1 and 2: to 2
  EXPECT_EQ(round_to_bf16(1.0f + 0x1p-8f + 0x1p-20f), 1.0f + 0x1p-7f);  // above the tie: up
  EXPECT_EQ(round_to_bf16(-1.0f - 0x1p-8f), -1.0f);
}

TEST(AdamW, FirstStepMovesEachWeightByTheLearningRate) {
  const AdamWConfig config{0.01, 0.9, 0.95, 1e-8, 0.1};
  const std::vector<double> w0{0.25, -1.5, 3.0, 0.0, 2.0};
  const std::vector<double> g{0.5, -3.0, 1e-3, 7.0, -0.02};
  AdamWState state = adamw_state(w0);
  std::vector<double> w = w0;
  adamw_step(config, 1, 0.0, g, state, w);
  // m_hat = g and v_hat = g^2 in exact arithmetic, so the step is lr g / (|g| + eps). BF16 has 8 significand bits:
  // each stored moment is within 2^-8 relative of its exact value, m_hat / sqrt(v_hat) within 1.5 x 2^-8 < 2^-7.
  for (size_t i = 0; i < w.size(); ++i) {
    const double expected = w0[i] - config.learning_rate * g[i] / (std::abs(g[i]) + config.eps);
    EXPECT_NEAR(w[i], expected, config.learning_rate * 0x1p-7) << i;
    // The stored first moment is (1 - beta1) g to BF16 precision (half an ulp: at most 2^-8 relative).
    EXPECT_NEAR(bf16_bits_to_float(state.m_bf16[i]), 0.1 * g[i], std::abs(0.1 * g[i]) * 0x1p-8) << i;
  }
}

TEST(AdamW, WeightDecayIsDecoupledFromTheMoments) {
  const AdamWConfig config{0.01, 0.9, 0.95, 1e-8, 0.1};
  const std::vector<double> w0{0.75, -2.0, 1.0};
  AdamWState state = adamw_state(w0);
  std::vector<double> w = w0;
  adamw_step(config, 1, config.weight_decay, std::vector<double>(3, 0.0), state, w);
  for (size_t i = 0; i < w.size(); ++i) {
    // A zero gradient leaves m = v = 0 (no step from the moments); decay alone scales by 1 - lr wd, to FP32.
    EXPECT_NEAR(w[i], w0[i] * (1 - 0.01 * 0.1), std::abs(w0[i]) * 0x1p-22) << i;
    EXPECT_EQ(bf16_bits_to_float(state.m_bf16[i]), 0.0f);
    EXPECT_EQ(bf16_bits_to_float(state.v_bf16[i]), 0.0f);
  }
}

TEST(AdamW, ConstantGradientKeepsTheStepNearTheLearningRate) {
  const AdamWConfig config{0.01, 0.9, 0.95, 1e-8, 0.0};
  const std::vector<double> g{0.3, -0.7, 1.9};
  std::vector<double> w{0.0, 0.0, 0.0};
  AdamWState state = adamw_state(w);
  for (int t = 1; t <= 30; ++t) {
    const std::vector<double> before = w;
    adamw_step(config, t, 0.0, g, state, w);
    // Bias correction makes m_hat = g, v_hat = g^2 at every step in exact arithmetic. BF16 storage can stall an
    // average once an update is below half an ulp: m within 2^-8 / (1 - beta1) = 3.9% of its value, v within
    // 2^-8 / (1 - beta2) = 7.8% (3.9% after the square root): the step is within about 8% of lr; 10% allowed.
    for (size_t i = 0; i < w.size(); ++i)
      EXPECT_NEAR(std::abs(w[i] - before[i]), config.learning_rate, 0.1 * config.learning_rate) << t << " " << i;
  }
}

TEST(AdamW, ModelStepKeepsFp32MasterWeightsAndSkipsDecayOfGains) {
  const ModelConfig c = testing::tiny_config();
  ModelWeights w = init_weights(c, 1);
  const ModelWeights zero_grads = ModelWeights::zeros(c);
  AdamW optimizer(AdamWConfig{0.01, 0.9, 0.95, 1e-8, 0.1}, w);
  optimizer.step(w, zero_grads);
  EXPECT_EQ(optimizer.steps_taken(), 1);
  for_each_parameter(w, w, [&](const std::string& name, int fan_in, const std::vector<double>& t, const auto&) {
    for (double x : t) ASSERT_EQ(x, double(float(x))) << name;  // FP32 master weights
    if (fan_in != kGainVector) return;
    for (double x : t) ASSERT_EQ(x, 1.0) << name;  // gains start at 1 and are not decayed
  });
}

}  // namespace
}  // namespace trainsim::kernels::model
