// How a scenario meets one GPU (op_context): the gradient-accumulation bytes a scenario without Megatron's
// --gradient-accumulation-fusion adds per parameter and micro-batch, by hand from its optimizer formats and
// micro-batch count.
#include "sim/step/priced_model.h"

#include <gtest/gtest.h>

#include <string>

#include "sim/scenario/scenario_loader.h"

namespace trainsim::sim {
namespace {

// Megatron's 1.7B row of Narayanan et al. 2021 at 4 micro-batches: FP16 weights and gradients, global batch 512
// over DP 32 in micro-batches of 4 sequences.
Scenario megatron_row(bool fusion) {
  return load_scenario(TRAINSIM_SOURCE_DIR "/scenarios/validation/megatron-gpt-1.7b-32xa100.yaml",
                       std::vector<std::string>{"parallelism.micro_batch_size=4",
                                                "parallelism.gradient_accumulation_fusion=" + std::string(fusion ? "true" : "false")});
}

TEST(OpContext, SeparateGradientAccumulationBytesFromTheScenarioByHand) {
  EXPECT_EQ(op_context(megatron_row(true)).gradient_accumulation_bytes_per_parameter, 0);
  // 512 / 32 / 4 = 4 micro-batches, 3 of them added: (2 read + 2 read + 2 written) x 3/4 = 4.5 bytes.
  EXPECT_DOUBLE_EQ(op_context(megatron_row(false)).gradient_accumulation_bytes_per_parameter, 4.5);
}

}  // namespace
}  // namespace trainsim::sim
