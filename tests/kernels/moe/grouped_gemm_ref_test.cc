// The grouped GEMM references against per-expert dense GEMMs written separately here, on skewed layouts
// with empty experts; SwiGLU and the shared expert (one group).
#include <gtest/gtest.h>

#include <cmath>

#include "kernels/common/random_fill.h"
#include "kernels/moe/expert_loads.h"
#include "kernels/moe/grouped_gemm_ref.h"
#include "kernels/moe/permute_ref.h"
#include "tests/kernels/gradient_check.h"

namespace trainsim::kernels {
namespace {

constexpr int64_t kN = 48, kK = 40;

// c[m x n] = a[m x k] * b[k x n] with explicit strides, the plainest dense GEMM.
void dense(int64_t m, int64_t n, int64_t k, const float* a, int64_t a_row, int64_t a_col, const float* b,
           int64_t b_row, int64_t b_col, double* c) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double s = 0;
      for (int64_t p = 0; p < k; ++p) s += double(a[i * a_row + p * a_col]) * double(b[p * b_row + j * b_col]);
      c[i * n + j] = s;
    }
}

struct Problem {
  std::vector<int64_t> offsets;
  std::vector<float> a, dd, w;  // a: rows x K, dd: rows x N, w: experts x N x K
};

Problem make_problem(std::vector<int64_t> loads, int align, uint64_t seed) {
  Problem p;
  p.offsets.push_back(0);
  for (int64_t l : loads) p.offsets.push_back(p.offsets.back() + (l + align - 1) / align * align);
  const int64_t rows = p.offsets.back();
  p.a.resize(rows * kK), p.dd.resize(rows * kN), p.w.resize(loads.size() * kN * kK);
  fill_normal(p.a, seed), fill_normal(p.dd, seed + 1), fill_normal(p.w, seed + 2);
  for (size_t e = 0; e < loads.size(); ++e)  // zero the padding rows, as permute does
    for (int64_t r = p.offsets[e] + loads[e]; r < p.offsets[e + 1]; ++r) {
      std::fill_n(p.a.begin() + r * kK, kK, 0.0f);
      std::fill_n(p.dd.begin() + r * kN, kN, 0.0f);
    }
  return p;
}

void expect_near(const std::vector<double>& got, const std::vector<double>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], want[i], 1e-10 * (1 + std::fabs(want[i]))) << i;
}

// Loads with an empty expert, a hot one (MaxVio 2 over 6 experts) and a ragged tail; row tile of 16.
const std::vector<int64_t> kLoads = [] {
  auto loads = skewed_loads(6, 6 * 20, 2.0, 4);
  loads.push_back(0);
  return loads;
}();

TEST(GroupedGemmRef, FpropEqualsPerExpertDense) {
  const Problem p = make_problem(kLoads, 16, 1);
  std::vector<double> d(p.offsets.back() * kN), want(d.size());
  grouped_gemm_fprop_ref(p.offsets, p.a, p.w, kN, kK, d);
  for (size_t e = 0; e + 1 < p.offsets.size(); ++e) {
    const int64_t r0 = p.offsets[e], m = p.offsets[e + 1] - r0;
    dense(m, kN, kK, &p.a[r0 * kK], kK, 1, &p.w[e * kN * kK], 1, kK, &want[r0 * kN]);
  }
  expect_near(d, want);
}

TEST(GroupedGemmRef, DgradEqualsPerExpertDense) {
  const Problem p = make_problem(kLoads, 16, 2);
  std::vector<double> da(p.offsets.back() * kK), want(da.size());
  grouped_gemm_dgrad_ref(p.offsets, p.dd, p.w, kN, kK, da);
  for (size_t e = 0; e + 1 < p.offsets.size(); ++e) {
    const int64_t r0 = p.offsets[e], m = p.offsets[e + 1] - r0;
    dense(m, kK, kN, &p.dd[r0 * kN], kN, 1, &p.w[e * kN * kK], kK, 1, &want[r0 * kK]);
  }
  expect_near(da, want);
}

TEST(GroupedGemmRef, WgradEqualsPerExpertDenseOverRealRowsOnly) {
  const Problem p = make_problem(kLoads, 16, 3);
  const size_t experts = kLoads.size();
  std::vector<double> dw(experts * kN * kK), want(dw.size());
  grouped_gemm_wgrad_ref(p.offsets, p.dd, p.a, kN, kK, dw);
  for (size_t e = 0; e < experts; ++e)  // sum over the real rows only: zero padding must not matter
    dense(kN, kK, kLoads[e], &p.dd[p.offsets[e] * kN], 1, kN, &p.a[p.offsets[e] * kK], kK, 1, &want[e * kN * kK]);
  expect_near(dw, want);
  for (int64_t i = 0; i < kN * kK; ++i) EXPECT_EQ(dw[(experts - 1) * kN * kK + i], 0.0);  // empty expert
}

TEST(GroupedGemmRef, SwigluFpropIsSiluOfGateTimesUp) {
  const int64_t inter = kN / 2;
  const Problem p = make_problem(kLoads, 16, 4);
  std::vector<double> act(p.offsets.back() * inter), h(p.offsets.back() * kN);
  grouped_swiglu_fprop_ref(p.offsets, p.a, p.w, inter, kK, act);
  grouped_gemm_fprop_ref(p.offsets, p.a, p.w, kN, kK, h);
  for (int64_t r = 0; r < p.offsets.back(); ++r)
    for (int64_t j = 0; j < inter; ++j) {
      const double g = h[r * kN + j], u = h[r * kN + inter + j];
      ASSERT_NEAR(act[r * inter + j], g * u / (1 + std::exp(-g)), 1e-12 * (1 + std::fabs(g * u)));
    }
  // Zero padding rows stay zero: silu(0) * 0.
  EXPECT_EQ(act[(p.offsets[1] - 1) * inter], 0.0);
}

TEST(GroupedGemmRef, SharedExpertIsOneDenseGroup) {
  const int64_t tokens = 37;
  std::vector<float> x(tokens * kK), w(kN * kK);
  fill_normal(x, 5), fill_normal(w, 6);
  std::vector<double> d(tokens * kN), want(d.size());
  grouped_gemm_fprop_ref(single_group_offsets(tokens), x, w, kN, kK, d);
  dense(tokens, kN, kK, x.data(), kK, 1, w.data(), 1, kK, want.data());
  expect_near(d, want);
}

// SwiGLU's backward against central differences of sum(r * act) (tolerance in gradient_check.h).
TEST(GroupedGemmRef, SwigluBackwardMatchesFiniteDifferences) {
  const int64_t rows = 3, inter = 4;
  std::vector<float> hf(rows * 2 * inter), rf(rows * inter);
  fill_normal(hf, 41, 2.0f);
  fill_normal(rf, 42);
  std::vector<double> h(hf.begin(), hf.end());
  const std::vector<double> r(rf.begin(), rf.end());
  std::vector<double> dh(h.size());
  swiglu_backward_ref(h, rows, inter, r, dh);
  auto loss = [&] {
    std::vector<double> act(rows * inter);
    swiglu_ref(h, rows, inter, act);
    return testing::weighted_sum(act, r);
  };
  EXPECT_LT(testing::check_entries(h, dh, loss).max_rel_error, testing::kGradTolerance);
}

}  // namespace
}  // namespace trainsim::kernels
