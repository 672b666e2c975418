// The whole model at BF16 and FP8 GEMMs against FP64 on one batch: every parameter's gradient stays within an error
// estimate built from the per-GEMM errors that linear_gemm_test bounds. A dense variant of the small config (no
// routing: a changed top-k choice would swap whole experts' gradients, which no rounding bound describes).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "kernels/model/reduced_deepseek_v3.h"

namespace trainsim::kernels::model {
namespace {

struct PrecisionRun {
  double loss = 0;
  std::vector<double> grad;  // every parameter's gradient, flattened in for_each_parameter order
};

PrecisionRun run_at(GemmPrecision precision) {
  ModelConfig c =
      load_model_config(std::string(TRAINSIM_SOURCE_DIR) + "/kernels/model/configs/reduced-deepseek-v3-small.json");
  c.first_k_dense_replace = c.num_hidden_layers;  // every layer (and the MTP block) dense
  const std::string text = "Multi-head latent attention compresses keys and values; the experts share one router.";
  std::vector<int> ids;
  for (int i = 0; i < 66; ++i) ids.push_back(static_cast<unsigned char>(text[i % text.size()]));
  ReducedDeepSeekV3 model(c, 5);
  model.options.gemm_precision = precision;
  PrecisionRun r;
  r.loss = model.forward(ids, VarlenBatch::uniform(2, 33)).total_loss;
  ModelWeights g = model.backward();
  for_each_parameter(g, g, [&](const std::string&, int, const std::vector<double>& t, const std::vector<double>&) {
    r.grad.insert(r.grad.end(), t.begin(), t.end());
  });
  return r;
}

double relative_l2(const std::vector<double>& a, const std::vector<double>& b) {
  double d = 0, n = 0;
  for (size_t i = 0; i < b.size(); ++i) d += (a[i] - b[i]) * (a[i] - b[i]), n += b[i] * b[i];
  return std::sqrt(d / n);
}

TEST(GemmPrecisionModel, GradientsStayNearFp64) {
  const PrecisionRun fp64 = run_at(GemmPrecision::kFP64);
  const PrecisionRun bf16 = run_at(GemmPrecision::kBF16), fp8 = run_at(GemmPrecision::kFP8);
  const double bf16_error = relative_l2(bf16.grad, fp64.grad), fp8_error = relative_l2(fp8.grad, fp64.grad);
  std::printf("relative to FP64: loss BF16 %.1e, FP8 %.1e; gradient (L2) BF16 %.2e, FP8 %.2e\n",
              std::fabs(bf16.loss / fp64.loss - 1), std::fabs(fp8.loss / fp64.loss - 1), bf16_error, fp8_error);
  EXPECT_NE(bf16.loss, fp64.loss);  // the precision reaches the layers
  EXPECT_NE(fp8.loss, bf16.loss);
  // A weight's gradient passes through at most about 52 GEMMs in series: 5 per block on the way forward (MLA's
  // down, up and output projections, the MLP's two), 4 blocks and the MTP module (its projection and a block): 26;
  // as many dgrads back (the output head is FP64 and not counted).
  // BF16: each GEMM is off by at most 2 x 2^-9 of its sums of |a||b| (linear_gemm_test); first-order errors that
  // all add up in the same direction give 52 x 2^-8 = 0.20.
  EXPECT_LT(bf16_error, 52 * std::ldexp(1.0, -8));
  // FP8: the worst case (2^-3 per GEMM) says nothing over 52 GEMMs; E4M3's round-to-nearest of unrelated values
  // leaves an error spread evenly within half an ulp (at most 2^-4 relative), RMS 2^-4 / sqrt(3) per operand, two
  // operands per GEMM; independent errors add in quadrature: sqrt(52 x 2) x 2^-4 / sqrt(3) = 0.37.
  EXPECT_LT(fp8_error, std::sqrt(104.0) * std::ldexp(1.0, -4) / std::sqrt(3.0));
}

}  // namespace
}  // namespace trainsim::kernels::model
