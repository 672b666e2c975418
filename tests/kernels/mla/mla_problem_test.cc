// The MLA problem's counts: packed batches, positions, causal FLOPs and bytes against hand-computed values.
#include "kernels/mla/mla_problem.h"

#include <gtest/gtest.h>

#include <cmath>

namespace trainsim::kernels {
namespace {

TEST(MlaProblem, VarlenBatchPacksLengths) {
  const VarlenBatch b = VarlenBatch::from_lengths({3, 1, 4});
  EXPECT_EQ(b.cu_seqlens, (std::vector<int>{0, 3, 4, 8}));
  EXPECT_EQ(b.sequences(), 3);
  EXPECT_EQ(b.total_tokens(), 8);
  EXPECT_EQ(b.max_length(), 4);
  EXPECT_EQ(b.positions(), (std::vector<int>{0, 1, 2, 0, 0, 1, 2, 3}));
  EXPECT_DOUBLE_EQ(b.causal_pairs(), 6 + 1 + 10);
}

TEST(MlaProblem, DeepSeekV3Dims) {
  const MlaDims d;
  EXPECT_EQ(d.qk_dim(), 192);
  EXPECT_EQ(d.kv_down_dim(), 576);
  EXPECT_EQ(d.decode_qk_dim(), 576);
  EXPECT_EQ(d.decode_v_dim(), 512);
  EXPECT_EQ(d.kv_up_dim(), 256);
}

TEST(MlaProblem, CausalFlopsAtDeepSeekV3Shape) {
  AttentionShape s{VarlenBatch::uniform(1, 4096), 128, 192, 128};
  const double pairs = 4096.0 * 4097.0 / 2;
  EXPECT_DOUBLE_EQ(attention_forward_flops(s), 2 * pairs * 128 * (192 + 128));  // 688 GFLOP
  EXPECT_NEAR(attention_forward_flops(s), 688.0e9, 1e9);
  EXPECT_DOUBLE_EQ(attention_backward_flops(s) / attention_forward_flops(s), (3 * 192 + 2 * 128) / 320.0);
  EXPECT_DOUBLE_EQ(s.softmax_scale(), 1 / std::sqrt(192.0));
  // q k v in (192 + 192 + 128 BF16), o out (128 BF16), lse out (FP32), per token and head.
  EXPECT_DOUBLE_EQ(attention_forward_bytes(s), 4096.0 * 128 * (2 * 512 + 2 * 128 + 4));
}

TEST(MlaProblem, DecodeCountsShareTheCacheAcrossHeads) {
  const VarlenBatch cache = VarlenBatch::uniform(2, 10);
  EXPECT_DOUBLE_EQ(decode_flops(cache, 4, 576, 512), 2.0 * 20 * 4 * (576 + 512));
  EXPECT_DOUBLE_EQ(decode_bytes(cache, 4, 576, 512), 2.0 * 20 * 576 + 2 * 4 * (2.0 * 576 + 2.0 * 512 + 4));
}

}  // namespace
}  // namespace trainsim::kernels
