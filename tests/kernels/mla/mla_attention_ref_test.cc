// The FP64 attention references checked against each other and against calculus: blocked (flash-style)
// equals naive, packed varlen equals per-sequence, causality, backward equals finite differences.
#include "kernels/mla/mla_attention_ref.h"

#include <gtest/gtest.h>

#include <cmath>

#include "kernels/mla/bf16_host.h"
#include "kernels/mla/mla_tolerances.h"
#include "tests/kernels/gradient_check.h"
#include "tests/kernels/mla/mla_test_util.h"

namespace trainsim::kernels {
namespace {

using testing::random_doubles;
using testing::rel_l2;

struct Inputs {
  AttentionShape shape;
  std::vector<double> q, k, v;
};

Inputs random_inputs(const std::vector<int>& lengths, int heads, int qk_dim, int v_dim, unsigned long long seed) {
  Inputs in{AttentionShape{VarlenBatch::from_lengths(lengths), heads, qk_dim, v_dim}, {}, {}, {}};
  const size_t rows = size_t(in.shape.batch.total_tokens()) * heads;
  in.q = random_doubles(rows * qk_dim, seed);
  in.k = random_doubles(rows * qk_dim, seed + 1);
  in.v = random_doubles(rows * v_dim, seed + 2);
  return in;
}

TEST(MlaAttentionRef, BlockedEqualsNaive) {
  const Inputs in = random_inputs({1, 5, 17, 40}, 3, 12, 8, 11);
  const AttentionForwardRef naive = attention_forward_ref(in.shape, in.q, in.k, in.v);
  for (int block : {1, 4, 16, 64}) {
    const AttentionForwardRef blocked = attention_forward_blocked_ref(in.shape, in.q, in.k, in.v, block);
    EXPECT_LT(rel_l2(blocked.o, naive.o), kFp64RelL2) << "block " << block;
    EXPECT_LT(rel_l2(blocked.lse, naive.lse), kFp64RelL2) << "block " << block;
  }
}

TEST(MlaAttentionRef, PackedVarlenEqualsEachSequenceAlone) {
  const std::vector<int> lengths{3, 9, 1, 6};
  const Inputs in = random_inputs(lengths, 2, 10, 6, 21);
  const AttentionForwardRef packed = attention_forward_ref(in.shape, in.q, in.k, in.v);
  for (int s = 0; s < in.shape.batch.sequences(); ++s) {
    const size_t t0 = in.shape.batch.cu_seqlens[s], t1 = in.shape.batch.cu_seqlens[s + 1];
    const size_t heads = 2;
    auto slice = [&](const std::vector<double>& x, size_t dim) {
      return std::vector<double>(x.begin() + t0 * heads * dim, x.begin() + t1 * heads * dim);
    };
    AttentionShape alone{VarlenBatch::from_lengths({lengths[s]}), 2, 10, 6};
    const AttentionForwardRef one = attention_forward_ref(alone, slice(in.q, 10), slice(in.k, 10), slice(in.v, 6));
    EXPECT_EQ(one.o, slice(packed.o, 6)) << "sequence " << s;
    EXPECT_EQ(one.lse, slice(packed.lse, 1)) << "sequence " << s;
  }
}

TEST(MlaAttentionRef, FutureTokensAndOtherSequencesDoNotLeak) {
  Inputs in = random_inputs({4, 5}, 2, 8, 8, 31);
  const AttentionForwardRef before = attention_forward_ref(in.shape, in.q, in.k, in.v);
  // Change keys and values of the last token of sequence 0 (token 3): only token 3's outputs may move.
  for (int c = 0; c < 2 * 8; ++c) {
    in.k[3 * 16 + c] += 1.0;
    in.v[3 * 16 + c] -= 2.0;
  }
  const AttentionForwardRef after = attention_forward_ref(in.shape, in.q, in.k, in.v);
  for (int t = 0; t < 9; ++t)
    for (int c = 0; c < 16; ++c) {
      if (t == 3) continue;
      EXPECT_EQ(before.o[t * 16 + c], after.o[t * 16 + c]) << "token " << t;
    }
}

TEST(MlaAttentionRef, FirstTokenReturnsItsOwnValue) {
  const Inputs in = random_inputs({3}, 1, 4, 4, 41);
  const AttentionForwardRef out = attention_forward_ref(in.shape, in.q, in.k, in.v);
  for (int c = 0; c < 4; ++c) EXPECT_DOUBLE_EQ(out.o[c], in.v[c]);
  double qk = 0;
  for (int c = 0; c < 4; ++c) qk += in.q[c] * in.k[c];
  EXPECT_DOUBLE_EQ(out.lse[0], qk / 2.0);  // scale 1/sqrt(4)
}

// Loss L = sum(dO * O); its gradients by central differences of the FP64 forward.
TEST(MlaAttentionRef, BackwardEqualsFiniteDifferences) {
  Inputs in = random_inputs({2, 4}, 2, 6, 4, 51);
  const std::vector<double> d_o = random_doubles(in.v.size(), 55);
  const AttentionGradsRef g = attention_backward_ref(in.shape, in.q, in.k, in.v, d_o);
  auto loss = [&] {
    const AttentionForwardRef f = attention_forward_ref(in.shape, in.q, in.k, in.v);
    double l = 0;
    for (size_t i = 0; i < f.o.size(); ++i) l += f.o[i] * d_o[i];
    return l;
  };
  EXPECT_LT(rel_l2(g.dq, testing::central_differences(in.q, loss)), kFiniteDifferenceRel);
  EXPECT_LT(rel_l2(g.dk, testing::central_differences(in.k, loss)), kFiniteDifferenceRel);
  EXPECT_LT(rel_l2(g.dv, testing::central_differences(in.v, loss)), kFiniteDifferenceRel);
}

// The BF16 bound is not vacuous and not too tight: rounding inputs and output to BF16, as the device path
// does, moves the output by more than FP32 rounding and less than kBf16OutputRelL2.
TEST(MlaAttentionRef, Bf16RoundingStaysInsideItsBound) {
  Inputs in = random_inputs({64, 33}, 2, 192, 128, 61);
  const AttentionForwardRef exact = attention_forward_ref(in.shape, in.q, in.k, in.v);
  for (auto* x : {&in.q, &in.k, &in.v})
    for (double& e : *x) e = round_to_bf16(float(e));
  AttentionForwardRef rounded = attention_forward_ref(in.shape, in.q, in.k, in.v);
  for (double& e : rounded.o) e = round_to_bf16(float(e));
  const double err = rel_l2(rounded.o, exact.o);
  EXPECT_GT(err, 1e-4);
  EXPECT_LT(err, kBf16OutputRelL2);
}

TEST(MlaAttentionRef, RejectsMismatchedSizes) {
  const Inputs in = random_inputs({3}, 1, 4, 4, 71);
  const std::vector<double> short_k(in.k.begin(), in.k.end() - 1);
  EXPECT_THROW(attention_forward_ref(in.shape, in.q, short_k, in.v), std::invalid_argument);
  EXPECT_THROW(attention_forward_blocked_ref(in.shape, in.q, in.k, in.v, 0), std::invalid_argument);
}

}  // namespace
}  // namespace trainsim::kernels
