// Tests of the linear layers' BF16 and FP8 GEMMs: each output within an error bound derived from the formats
// (BF16: 8 significant bits; E4M3: 4, subnormals below 2^-6; FP32 sums) of the FP64 result, and FP8 equal bit for
// bit to kernels/fp8's own reference (make_training_operands + gemm_tensor_core_model) on the same operands.
#include "kernels/model/linear_gemm.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "kernels/fp8/gemm_ref.h"
#include "kernels/fp8/training_gemm.h"
#include "kernels/mla/mla_projections_ref.h"
#include "tests/kernels/mla/mla_test_util.h"

namespace trainsim::kernels::model {
namespace {

// Odd sizes: partial 128-blocks along every dimension, and row counts that do not divide the FP8 path's tasks.
constexpr int kM = 40, kN = 136, kK = 200;

struct Problem {
  std::vector<double> x = testing::random_doubles(size_t(kM) * kK, 1);   // [m][k]
  std::vector<double> w = testing::random_doubles(size_t(kN) * kK, 2, 0.05f);  // [n][k]
  std::vector<double> dy = testing::random_doubles(size_t(kM) * kN, 3, 0.01f);  // [m][n]
};

double max_abs(const std::vector<double>& v) {
  double m = 0;
  for (double x : v) m = std::max(m, std::fabs(x));
  return m;
}

// Checks |got - exact| <= bound elementwise for D[i][j] = sum_r a(i, r) b(j, r), r < depth, where
// bound = sum_r term_bound(|a|, |b|) + sum_accumulation * sum_r |a||b|.
void expect_within(const std::vector<double>& got, const std::vector<double>& exact, int rows, int cols, int depth,
                   const std::function<double(int, int)>& a, const std::function<double(int, int)>& b,
                   const std::function<double(double, double)>& term_bound, double sum_accumulation) {
  ASSERT_EQ(got.size(), exact.size());
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j) {
      double bound = 0;
      for (int r = 0; r < depth; ++r) {
        const double ax = std::fabs(a(i, r)), bx = std::fabs(b(j, r));
        bound += term_bound(ax, bx) + sum_accumulation * ax * bx;
      }
      ASSERT_LE(std::fabs(got[size_t(i) * cols + j] - exact[size_t(i) * cols + j]), bound) << i << "," << j;
    }
}

// The three GEMMs at `precision` against FP64, each as D = A B^T with its own A, B and depth.
void check_three_gemms(GemmPrecision precision, const std::function<double(double, double, double, double)>& term,
                       double sum_accumulation) {
  const Problem p;
  const double sx = max_abs(p.x) / 448, sw = max_abs(p.w) / 448, sdy = max_abs(p.dy) / 448;  // FP8 scales' bounds
  const auto x = [&](int t, int c) { return p.x[size_t(t) * kK + c]; };
  const auto w = [&](int o, int c) { return p.w[size_t(o) * kK + c]; };
  const auto dy = [&](int t, int o) { return p.dy[size_t(t) * kN + o]; };
  std::vector<double> dw(p.w.size(), 0), dw_exact(p.w.size(), 0);
  const std::vector<double> y = linear_forward(p.x, p.w, kM, kN, kK, precision);
  const std::vector<double> dx = linear_backward(p.x, p.w, p.dy, kM, kN, kK, dw, precision);
  const std::vector<double> dx_exact = linear_backward_ref(p.x, p.w, p.dy, kM, kN, kK, dw_exact);
  expect_within(y, linear_ref(p.x, p.w, kM, kN, kK), kM, kN, kK, x, w,
                [&](double a, double b) { return term(a, b, sx, sw); }, sum_accumulation);
  expect_within(dx, dx_exact, kM, kK, kN, dy, [&](int c, int o) { return w(o, c); },
                [&](double a, double b) { return term(a, b, sdy, sw); }, sum_accumulation);
  expect_within(dw, dw_exact, kN, kK, kM, [&](int o, int t) { return dy(t, o); }, [&](int c, int t) { return x(t, c); },
                [&](double a, double b) { return term(a, b, sdy, sx); }, sum_accumulation);
}

TEST(LinearGemm, Bf16WithinRoundingBound) {
  // Each operand rounded to BF16 moves by at most u = 2^-9 of itself, so a product by at most (2u + u^2)|a||b|;
  // the product of two BF16 values is exact in FP32 and each of the <= 200 FP32 additions adds at most 2^-24 of
  // a partial sum, itself at most sum |a||b| (1.01: the second-order terms): (2u + u^2) + 1.01 * 200 * 2^-24.
  const double u = std::ldexp(1.0, -9);
  check_three_gemms(GemmPrecision::kBF16, [&](double a, double b, double, double) { return (2 * u + u * u) * a * b; },
                    1.01 * 200 * std::ldexp(1.0, -24));
}

TEST(LinearGemm, Fp8WithinQuantizationBound) {
  // E4M3 keeps 4 significant bits: a normal value rounds within 2^-4 of itself; below 2^-6 (subnormal) the
  // spacing is 2^-9, so within 2^-10 absolute, in units of the tile's scale s <= amax / 448. So
  // |a' - a| <= e_a = 2^-4 |a| + 2^-10 s_a and |a'b' - ab| <= e_a (|b| + e_b) + |a| e_b. The tensor-core model
  // truncates the accumulator and each of a group's 32 products toward zero to 2^-13 of the group's largest
  // magnitude, itself at most the 128-block's sum of |a'b'|: four groups per block lose at most 4 * 33 * 2^-13 of
  // that sum. The FP32 promotion (scale product and fmaf, two blocks) adds far less than 2^-20 of it.
  const auto e = [](double v, double s) { return std::ldexp(v, -4) + std::ldexp(s, -10); };
  const double accumulation = 4 * 33 * std::ldexp(1.0, -13) + std::ldexp(1.0, -20);
  check_three_gemms(
      GemmPrecision::kFP8,
      [&](double a, double b, double sa, double sb) {
        return e(a, sa) * (b + e(b, sb)) + a * e(b, sb) + accumulation * (a + e(a, sa)) * (b + e(b, sb));
      },
      0.0);
}

// kernels/fp8's reference on the whole operands, as DeepSeek-V3 quantizes them for `kind`.
std::vector<double> fp8_reference(fp8::GemmKind kind, const std::vector<double>& first,
                                  const std::vector<double>& second) {
  const std::vector<float> f(first.begin(), first.end()), s(second.begin(), second.end());
  const fp8::GemmOperands ops = fp8::make_training_operands(kind, kM, kK, kN, f, s);
  const std::vector<float> d = fp8::gemm_tensor_core_model(ops.a, ops.b, fp8::TensorCoreAccumulation{}, true);
  return std::vector<double>(d.begin(), d.end());
}

TEST(LinearGemm, Fp8EqualsTheFp8ReferenceBitForBit) {
  const Problem p;
  std::vector<double> dw(p.w.size(), 0);
  EXPECT_EQ(linear_forward(p.x, p.w, kM, kN, kK, GemmPrecision::kFP8), fp8_reference(fp8::GemmKind::kFprop, p.x, p.w));
  EXPECT_EQ(linear_backward(p.x, p.w, p.dy, kM, kN, kK, dw, GemmPrecision::kFP8),
            fp8_reference(fp8::GemmKind::kDgrad, p.dy, p.w));
  EXPECT_EQ(dw, fp8_reference(fp8::GemmKind::kWgrad, p.dy, p.x));  // dw started at 0: the sum adds exact zeros
}

TEST(LinearGemm, NoRowsGiveNoOutputAndNoGradient) {
  // An expert that received no token: zero rows at any precision (E4M3 quantization of an empty matrix is undefined).
  const std::vector<double> w = testing::random_doubles(size_t(kN) * kK, 2);
  std::vector<double> dw(w.size(), 0.5);
  for (GemmPrecision g : {GemmPrecision::kBF16, GemmPrecision::kFP8}) {
    EXPECT_TRUE(linear_forward({}, w, 0, kN, kK, g).empty());
    EXPECT_TRUE(linear_backward({}, w, {}, 0, kN, kK, dw, g).empty());
  }
  for (double g : dw) ASSERT_EQ(g, 0.5);
}

TEST(LinearGemm, Fp64IsTheReferenceAndNamesParse) {
  const Problem p;
  EXPECT_EQ(linear_forward(p.x, p.w, kM, kN, kK, GemmPrecision::kFP64), linear_ref(p.x, p.w, kM, kN, kK));
  for (GemmPrecision g : {GemmPrecision::kFP64, GemmPrecision::kBF16, GemmPrecision::kFP8})
    EXPECT_EQ(parse_gemm_precision(to_string(g)), g);
  try {
    parse_gemm_precision("fp16");
    FAIL() << "expected an exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("fp64, bf16 or fp8"), std::string::npos) << e.what();
  }
  EXPECT_THROW(linear_forward(p.x, p.w, kM, kN, kK + 1, GemmPrecision::kBF16), std::invalid_argument);
}

}  // namespace
}  // namespace trainsim::kernels::model

namespace trainsim::kernels::model {
namespace {

// linear_backward is its Dgrad then its Wgrad, bit for bit at every precision: the host harness times the two
// apart (kernels/calibration/host_calibration.cc) as the catalog lists them, and must time what the model runs.
TEST(LinearGemm, BackwardIsItsDgradThenItsWgrad) {
  const Problem p;
  for (GemmPrecision precision : {GemmPrecision::kFP64, GemmPrecision::kBF16, GemmPrecision::kFP8}) {
    std::vector<double> dw(p.w.size(), 0.5), dw_parts(p.w.size(), 0.5);  // Wgrad adds into what is there
    const std::vector<double> dx = linear_backward(p.x, p.w, p.dy, kM, kN, kK, dw, precision);
    EXPECT_EQ(linear_dgrad(p.w, p.dy, kM, kN, kK, precision), dx) << to_string(precision);
    linear_wgrad(p.x, p.dy, kM, kN, kK, dw_parts, precision);
    EXPECT_EQ(dw_parts, dw) << to_string(precision);
  }
  EXPECT_THROW(linear_dgrad(p.w, p.dy, kM + 1, kN, kK, GemmPrecision::kBF16), std::invalid_argument);
  std::vector<double> dw(p.w.size());
  EXPECT_THROW(linear_wgrad(p.x, p.dy, kM, kN, kK + 1, dw, GemmPrecision::kBF16), std::invalid_argument);
}

}  // namespace
}  // namespace trainsim::kernels::model
