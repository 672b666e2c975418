// Training end to end: a few dozen AdamW steps of the small reduced DeepSeek-V3 (byte-level, 256 tokens) on one
// fixed batch of text; the model can memorise it, so the total loss must fall well below its starting value
// (about log 256 = 5.5 nats at initialisation).
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>

#include "kernels/model/expert_bias_update.h"
#include "kernels/model/training_step.h"

namespace trainsim::kernels::model {
namespace {

constexpr int kSteps = 40;

TEST(ReducedDeepSeekV3Training, LossFallsOnAFixedBatch) {
  const ModelConfig c =
      load_model_config(std::string(TRAINSIM_SOURCE_DIR) + "/kernels/model/configs/reduced-deepseek-v3-small.json");
  // Four windows of 32 bytes from one paragraph, each starting where the previous one ends.
  const std::string text =
      "Multi-head latent attention compresses keys and values into a small latent; the experts share one "
      "router whose bias balances their loads without an auxiliary loss.";
  const int sequences = 4, length = 32;
  std::vector<int> ids;
  for (int i = 0; i < sequences * length; ++i) ids.push_back(static_cast<unsigned char>(text[i % text.size()]));
  const VarlenBatch batch = VarlenBatch::uniform(sequences, length);

  ReducedDeepSeekV3 model(c, 7);
  AdamW optimizer(AdamWConfig{3e-3, 0.9, 0.95, 1e-8, 0.1}, model.weights);
  const auto start = std::chrono::steady_clock::now();
  std::vector<double> losses;
  for (int step = 0; step < kSteps; ++step) {
    const LossReport r = training_step(model, optimizer, ids, batch, kDeepSeekV3BiasUpdateSpeed);
    losses.push_back(r.total_loss);
    if (step % 5 == 0)
      std::printf("step %2d: main %.3f mtp %.3f balance %.5f total %.3f\n", step, r.main_loss, r.mtp_loss,
                  r.balance_loss, r.total_loss);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%d steps in %.1f s; total loss %.3f -> %.3f\n", kSteps, seconds, losses.front(), losses.back());
  // Memorising 128 bytes of text: the loss must fall to under half its start (it ends far lower).
  EXPECT_LT(losses.back(), 0.5 * losses.front());
  for (double l : losses) EXPECT_TRUE(std::isfinite(l));
}

}  // namespace
}  // namespace trainsim::kernels::model
