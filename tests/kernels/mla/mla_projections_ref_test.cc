// MLA's projection references: the linear layer by hand, RMSNorm's unit RMS, RoPE as a rotation whose
// scores depend only on relative position, and the assembled q, k, v of the whole chain.
#include "kernels/mla/mla_projections_ref.h"

#include <gtest/gtest.h>

#include <cmath>

#include "tests/kernels/mla/mla_test_util.h"
#include "tests/kernels/gradient_check.h"

namespace trainsim::kernels {
namespace {

using testing::random_doubles;

MlaDims tiny_dims() {
  MlaDims d;
  d.hidden = 24;
  d.heads = 3;
  d.q_lora = 12;
  d.kv_lora = 8;
  d.qk_nope = 6;
  d.qk_rope = 4;
  d.v_dim = 5;
  return d;
}

TEST(MlaProjectionsRef, LinearIsXTimesWTransposed) {
  const std::vector<double> x{1, 2, 3, 4, 5, 6};   // [2][3]
  const std::vector<double> w{1, 0, -1, 2, 1, 0};  // [2][3]
  EXPECT_EQ(linear_ref(x, w, 2, 2, 3), (std::vector<double>{-2, 4, -2, 13}));
  EXPECT_THROW(linear_ref(x, w, 2, 2, 2), std::invalid_argument);
}

TEST(MlaProjectionsRef, RmsNormGivesUnitRmsAndHonoursTheStride) {
  const std::vector<double> x = random_doubles(4 * 10, 3, 5.0f);
  const std::vector<double> ones(8, 1.0);
  const std::vector<double> y = rmsnorm_ref(x, 4, 8, 10, ones, 0.0);
  for (int r = 0; r < 4; ++r) {
    double out_sq = 0, in_sq = 0;
    for (int c = 0; c < 8; ++c) {
      out_sq += y[r * 8 + c] * y[r * 8 + c];
      in_sq += x[r * 10 + c] * x[r * 10 + c];
    }
    EXPECT_NEAR(out_sq / 8, 1.0, 1e-12);
    EXPECT_NEAR(y[r * 8] * std::sqrt(in_sq / 8), x[r * 10], 1e-12);  // columns 8, 9 of each row ignored
  }
}

TEST(MlaProjectionsRef, RopeIsARotationThatSeesOnlyRelativePosition) {
  const std::vector<double> q = random_doubles(64, 5), k = random_doubles(64, 6);
  auto rotated = [](std::vector<double> x, int pos) {
    rope_ref(x.data(), 64, pos, 10000);
    return x;
  };
  auto dot = [](const std::vector<double>& a, const std::vector<double>& b) {
    double s = 0;
    for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
    return s;
  };
  EXPECT_EQ(rotated(q, 0), q);
  EXPECT_NEAR(dot(rotated(q, 77), rotated(q, 77)), dot(q, q), 1e-10);
  EXPECT_NEAR(dot(rotated(q, 100), rotated(k, 37)), dot(rotated(q, 4000), rotated(k, 3937)), 1e-9);
  EXPECT_GT(std::fabs(dot(rotated(q, 100), rotated(k, 37)) - dot(q, k)), 1e-3);
}

TEST(MlaProjectionsRef, ChainSharesTheKeyRopeDimsAcrossHeads) {
  const MlaDims d = tiny_dims();
  const MlaWeights w = random_mla_weights(d, 100);
  const VarlenBatch batch = VarlenBatch::from_lengths({3, 2});
  const std::vector<int> pos = batch.positions();
  const std::vector<double> x = random_doubles(size_t(batch.total_tokens()) * d.hidden, 7);
  const MlaQkvRef out = mla_qkv_ref(d, w, x, pos);
  ASSERT_EQ(out.q.size(), size_t(5) * d.heads * d.qk_dim());
  ASSERT_EQ(out.v.size(), size_t(5) * d.heads * d.v_dim);
  ASSERT_EQ(out.c_kv.size(), size_t(5) * d.kv_lora);
  for (int t = 0; t < 5; ++t)
    for (int h = 1; h < d.heads; ++h)
      for (int r = 0; r < d.qk_rope; ++r)
        EXPECT_EQ(out.k[(t * d.heads + h) * d.qk_dim() + d.qk_nope + r],
                  out.k[(t * d.heads) * d.qk_dim() + d.qk_nope + r]);
  // Token 0 and token 3 both sit at position 0: their rope dims are the raw projections.
  for (int t : {0, 3})
    for (int r = 0; r < d.qk_rope; ++r)
      EXPECT_DOUBLE_EQ(out.k[t * d.heads * d.qk_dim() + d.qk_nope + r],
                       out.kv_down[t * d.kv_down_dim() + d.kv_lora + r]);
}

TEST(MlaProjectionsRef, AssembleSplitsKeysAndValuesPerHead) {
  const MlaDims d = tiny_dims();
  const std::vector<int> pos{0, 5};
  const std::vector<double> q_up = random_doubles(2 * d.heads * d.qk_dim(), 8);
  const std::vector<double> kv_up = random_doubles(2 * d.heads * d.kv_up_dim(), 9);
  const std::vector<double> kv_down = random_doubles(2 * d.kv_down_dim(), 10);
  MlaQkvRef out;
  assemble_qkv_ref(d, q_up, kv_up, kv_down, pos, out);
  const int row = 1 * d.heads + 2;  // token 1, head 2
  for (int c = 0; c < d.qk_nope; ++c) {
    EXPECT_EQ(out.k[row * d.qk_dim() + c], kv_up[row * d.kv_up_dim() + c]);
    EXPECT_EQ(out.q[row * d.qk_dim() + c], q_up[row * d.qk_dim() + c]);  // nope dims untouched
  }
  for (int c = 0; c < d.v_dim; ++c) EXPECT_EQ(out.v[row * d.v_dim + c], kv_up[row * d.kv_up_dim() + d.qk_nope + c]);
  std::vector<double> expect(q_up.begin() + row * d.qk_dim() + d.qk_nope, q_up.begin() + (row + 1) * d.qk_dim());
  rope_ref(expect.data(), d.qk_rope, 5, d.rope_theta);
  for (int r = 0; r < d.qk_rope; ++r) EXPECT_DOUBLE_EQ(out.q[row * d.qk_dim() + d.qk_nope + r], expect[r]);
}

// assemble_qkv_ref is linear (rotations and copies), so its backward must be its adjoint: <A x, y> = <x, A^T y> for
// any x and y, to rounding (a few ulps of sums of a few hundred terms of order 1).
TEST(MlaProjectionsRef, AssembleBackwardIsTheAdjointOfAssemble) {
  const MlaDims d = tiny_dims();
  const std::vector<int> pos{0, 5, 17};
  const size_t tokens = pos.size();
  const std::vector<double> q_up = random_doubles(tokens * d.heads * d.qk_dim(), 21);
  const std::vector<double> kv_up = random_doubles(tokens * d.heads * d.kv_up_dim(), 22);
  const std::vector<double> kv_down = random_doubles(tokens * d.kv_down_dim(), 23);
  const std::vector<double> dq = random_doubles(tokens * d.heads * d.qk_dim(), 24);
  const std::vector<double> dk = random_doubles(tokens * d.heads * d.qk_dim(), 25);
  const std::vector<double> dv = random_doubles(tokens * d.heads * d.v_dim, 26);
  MlaQkvRef out;
  assemble_qkv_ref(d, q_up, kv_up, kv_down, pos, out);
  std::vector<double> d_q_up, d_kv_up, d_kv_down(kv_down.size(), 0.0);
  assemble_qkv_backward_ref(d, dq, dk, dv, pos, d_q_up, d_kv_up, d_kv_down);
  const auto dot = [](const std::vector<double>& a, const std::vector<double>& b) {
    double sum = 0;
    for (size_t i = 0; i < a.size(); ++i) sum += a[i] * b[i];
    return sum;
  };
  const double forward = dot(out.q, dq) + dot(out.k, dk) + dot(out.v, dv);
  const double backward = dot(q_up, d_q_up) + dot(kv_up, d_kv_up) + dot(kv_down, d_kv_down);
  EXPECT_NEAR(forward, backward, 1e-12 * (std::abs(forward) + 1));
  for (size_t t = 0; t < tokens; ++t)  // the latent columns get no gradient from this step
    for (int c = 0; c < d.kv_lora; ++c) EXPECT_EQ(d_kv_down[t * d.kv_down_dim() + c], 0.0);
}

// Backward passes against central differences of sum(r * y) (tolerance in gradient_check.h).
TEST(MlaProjectionsRef, LinearBackwardMatchesFiniteDifferences) {
  const int m = 3, n = 4, k = 5;
  std::vector<double> x = random_doubles(m * k, 11), w = random_doubles(n * k, 12);
  const std::vector<double> r = random_doubles(m * n, 13);
  std::vector<double> dw(w.size(), 0);
  const std::vector<double> dx = linear_backward_ref(x, w, r, m, n, k, dw);
  auto loss = [&] { return testing::weighted_sum(linear_ref(x, w, m, n, k), r); };
  EXPECT_LT(testing::check_entries(x, dx, loss).max_rel_error, testing::kGradTolerance);
  EXPECT_LT(testing::check_entries(w, dw, loss).max_rel_error, testing::kGradTolerance);
}

TEST(MlaProjectionsRef, RmsNormBackwardMatchesFiniteDifferencesWithAStride) {
  const int rows = 3, dim = 6, stride = 8;
  std::vector<double> x = random_doubles(rows * stride, 21), gamma = random_doubles(dim, 22);
  const std::vector<double> r = random_doubles(rows * dim, 23);
  std::vector<double> dgamma(dim, 0);
  const std::vector<double> dx = rmsnorm_backward_ref(x, rows, dim, stride, gamma, 1e-6, r, dgamma);
  auto loss = [&] { return testing::weighted_sum(rmsnorm_ref(x, rows, dim, stride, gamma, 1e-6), r); };
  EXPECT_LT(testing::check_entries(gamma, dgamma, loss).max_rel_error, testing::kGradTolerance);
  std::vector<double> dx_strided(x.size(), 0);  // columns past dim do not reach the output: zero gradient
  for (int row = 0; row < rows; ++row)
    for (int c = 0; c < dim; ++c) dx_strided[row * stride + c] = dx[row * dim + c];
  EXPECT_LT(testing::check_entries(x, dx_strided, loss).max_rel_error, testing::kGradTolerance);
}

TEST(MlaProjectionsRef, RopeAtMinusPositionUndoesRope) {
  const std::vector<double> x = random_doubles(8, 31);
  std::vector<double> y = x;
  rope_ref(y.data(), 8, 7, 10000);
  rope_ref(y.data(), 8, -7, 10000);
  for (int i = 0; i < 8; ++i) EXPECT_NEAR(y[i], x[i], 1e-15);
}

}  // namespace
}  // namespace trainsim::kernels
