// ZeRO sharding arithmetic and the "largest terms" summary.
#include "models/memory_model.h"

#include <gtest/gtest.h>

namespace trainsim::models {
namespace {

TEST(MemoryModel, ZeroStagesShardWhatTheyShould) {
  MemoryInputs in;
  in.parameters = 1e9;
  in.data_parallel = 8;
  in.zero_stage = 0;
  auto total = [&](int stage) {
    in.zero_stage = stage;
    return memory_per_gpu(in).total_bytes();
  };
  // 2 (weights) + 4 (grads) + 4 + 2*2 (master, moments) = 14 bytes per parameter unsharded.
  EXPECT_DOUBLE_EQ(total(0), 14e9);
  EXPECT_DOUBLE_EQ(total(1), 6e9 + 8e9 / 8);
  EXPECT_DOUBLE_EQ(total(2), 2e9 + 12e9 / 8);
  EXPECT_DOUBLE_EQ(total(3), 14e9 / 8);
}

TEST(MemoryModel, ExpertsShardOverTheirOwnReplicas) {
  MemoryInputs in;
  in.expert_parameters = 1e9;
  in.expert_data_parallel = 2;
  in.zero_stage = 1;
  EXPECT_DOUBLE_EQ(memory_per_gpu(in).total_bytes(), 6e9 + 8e9 / 2);
}

TEST(MemoryModel, LargestTermsComeFirst) {
  MemoryInputs in;
  in.parameters = 1e9;
  in.activation_bytes = 50.0 * 1073741824.0;
  // Optimizer states unsharded: FP32 master (4 B) and two BF16 moments (2 x 2 B) = 8e9 B = 7.451 GiB.
  EXPECT_EQ(memory_per_gpu(in).largest_terms(2), "activations 50 GiB, optimizer states 7.451 GiB");
}

}  // namespace
}  // namespace trainsim::models
