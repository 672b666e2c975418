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

// Megatron-Core's distributed optimizer page ("Theoretical memory savings", bytes per parameter with Adam:
// FP32 master weights and moments; docs/sources.md#optimizer-state-bytes): without it (stage 0) and with it
// (stage 1, the optimizer states sharded over d data-parallel replicas).
OptimizerPrecision megatron(double weight_bytes, double gradient_bytes) {
  return {weight_bytes, gradient_bytes, weight_bytes == 4 ? 0.0 : 4.0, 4.0};  // FP32 params are their own master
}

double bytes_per_parameter(const OptimizerPrecision& precision, int stage, int d) {
  MemoryInputs in;
  in.parameters = 1;
  in.data_parallel = d;
  in.zero_stage = stage;
  in.precision = precision;
  return memory_per_gpu(in).total_bytes();
}

TEST(MemoryModel, MegatronsDistributedOptimizerTable) {
  const int d = 8;
  // float16 param, float16 grads: 20 and 4 + 16/d (the FP32 copy of the gradients is an optimizer state).
  EXPECT_DOUBLE_EQ(bytes_per_parameter(megatron(2, 2), 0, d), 20.0);
  EXPECT_DOUBLE_EQ(bytes_per_parameter(megatron(2, 2), 1, d), 4.0 + 16.0 / d);
  // float16 (or bf16) param, fp32 grads: 18 and 6 + 12/d.
  EXPECT_DOUBLE_EQ(bytes_per_parameter(megatron(2, 4), 0, d), 18.0);
  EXPECT_DOUBLE_EQ(bytes_per_parameter(megatron(2, 4), 1, d), 6.0 + 12.0 / d);
  // fp32 param, fp32 grads: 16 and 8 + 8/d.
  EXPECT_DOUBLE_EQ(bytes_per_parameter(megatron(4, 4), 0, d), 16.0);
  EXPECT_DOUBLE_EQ(bytes_per_parameter(megatron(4, 4), 1, d), 8.0 + 8.0 / d);
}

TEST(MemoryModel, SixteenBitGradientsAddANamedFp32Copy) {
  MemoryInputs in;
  in.parameters = 1e9;
  in.precision = megatron(2, 2);
  const MemoryBreakdown b = memory_per_gpu(in);
  ASSERT_EQ(b.terms.size(), 6u);
  EXPECT_EQ(b.terms[3].name, "fp32 gradient copy");
  EXPECT_DOUBLE_EQ(b.terms[3].bytes, 4e9);
  in.precision = megatron(2, 4);
  EXPECT_EQ(memory_per_gpu(in).terms.size(), 5u);  // FP32 gradients: no copy
}

// ZeRO-2 and ZeRO-3 by hand for BF16 weights, FP32 gradients, FP32 master and moments, d = 8: stage 2 keeps
// the 2-byte weights and shards 4 + 12 bytes; stage 3 shards all 18, and FSDP (ZeRO-3) holds 2 layers gathered:
// the computed and the prefetched one, weights (2 B) and gradients before their reduce-scatter (4 B).
TEST(MemoryModel, ZeroTwoAndThreeByHand) {
  EXPECT_DOUBLE_EQ(bytes_per_parameter(megatron(2, 4), 2, 8), 2.0 + 16.0 / 8);
  MemoryInputs in;
  in.parameters = 8e9;
  in.data_parallel = 8;
  in.zero_stage = 3;
  in.precision = megatron(2, 4);
  in.largest_layer_parameters = 1e8;
  const MemoryBreakdown b = memory_per_gpu(in);
  EXPECT_DOUBLE_EQ(b.terms[0].bytes, 2e9);   // weights: 8e9 x 2 / 8
  EXPECT_DOUBLE_EQ(b.terms[1].bytes, 4e9);   // gradients: 8e9 x 4 / 8
  EXPECT_DOUBLE_EQ(b.terms[2].bytes, 12e9);  // optimizer states: 8e9 x 12 / 8
  EXPECT_EQ(b.terms[3].name, "gathered layers");
  EXPECT_DOUBLE_EQ(b.terms[3].bytes, 2 * 1e8 * (2 + 4));
  EXPECT_DOUBLE_EQ(b.total_bytes(), 18e9 + 1.2e9);
  in.zero_stage = 2;  // below stage 3 the weights are whole: nothing is gathered
  for (const MemoryTerm& t : memory_per_gpu(in).terms) EXPECT_NE(t.name, "gathered layers");
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
