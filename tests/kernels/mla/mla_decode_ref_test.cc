// Decode references: the absorbed form (576/512 over the shared latent) equals materialising per-head keys
// and values, and decode equals the last row of the training attention over the same keys and values.
#include "kernels/mla/mla_decode_ref.h"

#include <gtest/gtest.h>

#include <cmath>

#include "kernels/mla/mla_attention_ref.h"
#include "kernels/mla/mla_projections_ref.h"
#include "kernels/mla/mla_tolerances.h"
#include "tests/kernels/mla/mla_test_util.h"

namespace trainsim::kernels {
namespace {

using testing::random_doubles;
using testing::rel_l2;

MlaDims small_dims() {
  MlaDims d;
  d.hidden = 32;
  d.heads = 3;
  d.q_lora = 16;
  d.kv_lora = 16;
  d.qk_nope = 8;
  d.qk_rope = 4;
  d.v_dim = 6;
  return d;
}

struct DecodeInputs {
  MlaDims d = small_dims();
  VarlenBatch cache = VarlenBatch::from_lengths({1, 5, 9});
  std::vector<double> q, c_kv, k_rope, w_ukv;
};

DecodeInputs random_decode(unsigned long long seed) {
  DecodeInputs in;
  const size_t tokens = size_t(in.cache.total_tokens());
  in.q = random_doubles(size_t(in.cache.sequences()) * in.d.heads * in.d.qk_dim(), seed);
  in.c_kv = random_doubles(tokens * in.d.kv_lora, seed + 1);
  in.k_rope = random_doubles(tokens * in.d.qk_rope, seed + 2);
  in.w_ukv = random_mla_weights(in.d, seed + 3).w_ukv;
  return in;
}

std::vector<double> cache_rows(const DecodeInputs& in) {  // [c_kv, k_rope] per token
  std::vector<double> rows;
  for (int t = 0; t < in.cache.total_tokens(); ++t) {
    rows.insert(rows.end(), in.c_kv.begin() + t * in.d.kv_lora, in.c_kv.begin() + (t + 1) * in.d.kv_lora);
    rows.insert(rows.end(), in.k_rope.begin() + t * in.d.qk_rope, in.k_rope.begin() + (t + 1) * in.d.qk_rope);
  }
  return rows;
}

TEST(MlaDecodeRef, AbsorbedEqualsUnabsorbed) {
  const DecodeInputs in = random_decode(200);
  const double scale = 1 / std::sqrt(double(in.d.qk_dim()));  // the training scale, not 1/sqrt(576)
  const std::vector<double> q_abs = absorb_query_ref(in.d, in.q, in.w_ukv);
  const DecodeRef core =
      decode_core_ref(in.cache, in.d.heads, in.d.decode_qk_dim(), in.d.decode_v_dim(), scale, q_abs, cache_rows(in));
  const std::vector<double> absorbed = absorb_output_ref(in.d, core.o, in.w_ukv);
  const std::vector<double> plain = decode_unabsorbed_ref(in.d, in.cache, in.q, in.c_kv, in.k_rope, in.w_ukv);
  EXPECT_LT(rel_l2(absorbed, plain), kFp64RelL2);
}

TEST(MlaDecodeRef, DecodeEqualsTheLastRowOfTrainingAttention) {
  DecodeInputs in = random_decode(300);
  in.cache = VarlenBatch::from_lengths({7});
  in.c_kv.resize(7 * in.d.kv_lora);
  in.k_rope.resize(7 * in.d.qk_rope);
  in.q.resize(size_t(in.d.heads) * in.d.qk_dim());
  // Materialise per-head keys and values for the 7 tokens; queries for tokens 0..5 are random, token 6's is q.
  const int qk = in.d.qk_dim(), heads = in.d.heads, up = in.d.kv_up_dim();
  const std::vector<double> kv_up = linear_ref(in.c_kv, in.w_ukv, 7, heads * up, in.d.kv_lora);
  std::vector<double> k(7 * heads * qk), v(7 * heads * in.d.v_dim);
  std::vector<double> q = random_doubles(7 * heads * qk, 301);
  for (int t = 0; t < 7; ++t)
    for (int h = 0; h < heads; ++h) {
      const int row = t * heads + h;
      for (int c = 0; c < in.d.qk_nope; ++c) k[row * qk + c] = kv_up[row * up + c];
      for (int r = 0; r < in.d.qk_rope; ++r) k[row * qk + in.d.qk_nope + r] = in.k_rope[t * in.d.qk_rope + r];
      for (int c = 0; c < in.d.v_dim; ++c) v[row * in.d.v_dim + c] = kv_up[row * up + in.d.qk_nope + c];
      if (t == 6)
        for (int c = 0; c < qk; ++c) q[row * qk + c] = in.q[h * qk + c];
    }
  const AttentionForwardRef train = attention_forward_ref(AttentionShape{in.cache, heads, qk, in.d.v_dim}, q, k, v);
  const std::vector<double> last(train.o.end() - heads * in.d.v_dim, train.o.end());
  const std::vector<double> decode = decode_unabsorbed_ref(in.d, in.cache, in.q, in.c_kv, in.k_rope, in.w_ukv);
  EXPECT_LT(rel_l2(decode, last), kFp64RelL2);
}

TEST(MlaDecodeRef, CoreLogSumExpOfOneTokenIsItsScore) {
  const VarlenBatch cache = VarlenBatch::from_lengths({1});
  const std::vector<double> q{1, 2, 3}, rows{0.5, -1, 2};
  const DecodeRef out = decode_core_ref(cache, 1, 3, 2, 0.25, q, rows);
  EXPECT_DOUBLE_EQ(out.lse[0], 0.25 * (0.5 - 2 + 6));
  EXPECT_EQ(out.o, (std::vector<double>{0.5, -1}));
}

}  // namespace
}  // namespace trainsim::kernels
