// The layer check's harness on the CPU (layer_check.h): the CPU back-end against itself passes every row with no
// error, on the tiny config and on the CUDA back-end's own config; a back-end off by a known amount fails exactly the
// rows whose outputs it changes, and by that amount.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <set>
#include <string>

#include "kernels/mla/bf16_host.h"
#include "kernels/mla/mla_tolerances.h"
#include "kernels/model/layer_check.h"
#include "tests/kernels/model/cpu_delegating_backend.h"
#include "tests/kernels/model/model_test_util.h"

namespace trainsim::kernels::model {
namespace {

ModelConfig gpu_config() {
  return load_model_config(std::string(TRAINSIM_SOURCE_DIR) + "/kernels/model/configs/reduced-deepseek-v3-gpu.json");
}

// Every kind of row the check promises (layer_check.h), by the start of its layer name.
void expect_every_check(const std::vector<LayerCheckRow>& rows) {
  std::set<std::string> layers;
  for (const LayerCheckRow& r : rows) layers.insert(r.layer.substr(0, r.layer.find(' ')));
  for (const char* layer : {"gemm", "attention.forward", "attention.backward", "mla.forward", "mla.backward",
                            "mlp.forward", "mlp.backward", "moe.router", "moe.forward", "moe.backward", "model"})
    EXPECT_TRUE(layers.count(layer)) << layer;
}

void expect_all_exact(const ModelConfig& c, GemmPrecision precision, int length) {
  LayerCheckOptions o;
  o.precision = precision;
  o.length = length;
  const std::vector<LayerCheckRow> rows = check_layers(c, cpu_backend(), cpu_backend(), o);
  expect_every_check(rows);
  for (const LayerCheckRow& r : rows) {
    EXPECT_EQ(r.error, 0) << r.layer << " " << r.output;  // the same functions on the same inputs
    EXPECT_TRUE(r.passed()) << r.layer << " " << r.output;
  }
}

TEST(LayerCheck, TheCpuAgainstItselfHasNoErrorBf16) {
  expect_all_exact(testing::tiny_config(), GemmPrecision::kBF16, 9);
}
TEST(LayerCheck, TheCpuAgainstItselfHasNoErrorFp8) { expect_all_exact(testing::tiny_config(), GemmPrecision::kFP8, 9); }
// The GPU run's own config and batch (2 x 48 tokens): the check runs there as it will on the GPU machine.
TEST(LayerCheck, TheCudaBackendsConfigRunsEveryCheck) { expect_all_exact(gpu_config(), GemmPrecision::kBF16, 48); }

// The CPU, except that the attention core's output is scaled by 1 + 2e-2 and every Fprop output by 1 + 1e-3.
class OffBackend final : public testing::CpuDelegatingBackend {
 public:
  std::vector<double> linear_forward(std::span<const double> x, std::span<const double> w, int m, int n, int k,
                                     GemmPrecision precision) override {
    std::vector<double> y = CpuDelegatingBackend::linear_forward(x, w, m, n, k, precision);
    for (double& v : y) v *= 1 + 1e-3;
    return y;
  }
  std::vector<double> attention_forward(const AttentionShape& shape, std::span<const double> q,
                                        std::span<const double> k, std::span<const double> v) override {
    std::vector<double> o = CpuDelegatingBackend::attention_forward(shape, q, k, v);
    for (double& x : o) x *= 1 + 2e-2;
    return o;
  }
};

TEST(LayerCheck, ABackendOffByAKnownAmountFailsTheRowsItChanges) {
  OffBackend off;
  LayerCheckOptions o;
  o.length = 9;
  const std::vector<LayerCheckRow> rows = check_layers(testing::tiny_config(), cpu_backend(), off, o);
  for (const LayerCheckRow& r : rows) {
    SCOPED_TRACE(r.layer + " " + r.output);
    const bool fprop = r.layer.find(".fprop") != std::string::npos;
    if (r.layer.rfind("gemm", 0) == 0) {
      // Fprop: ||1e-3 D|| / || |A||B| || is at most 1e-3 and far above the FP32 sums' bound (k 2^-23 < 1e-5 here).
      EXPECT_EQ(r.passed(), !fprop);
      if (!fprop) {
        EXPECT_EQ(r.error, 0);
      }
    } else if (r.layer == "attention.forward") {
      EXPECT_NEAR(r.error, 2e-2, 1e-12);  // every element off by 2e-2 of itself
      EXPECT_FALSE(r.passed());
    } else if (r.layer == "attention.backward") {
      EXPECT_EQ(r.error, 0);
    } else if (r.layer == "mla.forward") {
      EXPECT_GT(r.error, 0);  // both changes reach the layers' outputs
    }
  }
  EXPECT_NE(layer_check_table(rows).find("| FAIL |"), std::string::npos);
}

// The CPU with the attention core's inputs and outputs rounded to BF16, as the CUDA back-end's kernels read and write
// them (their FP32 insides aside): the CUDA back-end's largest departure from the CPU's arithmetic, which the bounds
// of the layers and the model must hold.
class Bf16AttentionBackend final : public testing::CpuDelegatingBackend {
 public:
  std::vector<double> attention_forward(const AttentionShape& shape, std::span<const double> q,
                                        std::span<const double> k, std::span<const double> v) override {
    return rounded(CpuDelegatingBackend::attention_forward(shape, rounded(q), rounded(k), rounded(v)));
  }
  AttentionGradsRef attention_backward(const AttentionShape& shape, std::span<const double> q,
                                       std::span<const double> k, std::span<const double> v,
                                       std::span<const double> d_o) override {
    AttentionGradsRef g =
        CpuDelegatingBackend::attention_backward(shape, rounded(q), rounded(k), rounded(v), rounded(d_o));
    return AttentionGradsRef{rounded(g.dq), rounded(g.dk), rounded(g.dv)};
  }

 private:
  static std::vector<double> rounded(std::span<const double> x) {
    std::vector<double> r(x.size());
    for (size_t i = 0; i < x.size(); ++i) r[i] = double(round_to_bf16(float(x[i])));
    return r;
  }
};

TEST(LayerCheck, BoundsHoldTheCudaBackendsBf16AttentionOnTheCpu) {
  Bf16AttentionBackend bf16_attention;
  for (GemmPrecision precision : {GemmPrecision::kBF16, GemmPrecision::kFP8}) {
    LayerCheckOptions o;
    o.precision = precision;
    const std::vector<LayerCheckRow> rows = check_layers(gpu_config(), cpu_backend(), bf16_attention, o);
    std::printf("%s", layer_check_table(rows).c_str());
    for (const LayerCheckRow& r : rows) EXPECT_TRUE(r.passed()) << r.layer << " " << r.output << " " << r.error;
  }
}

TEST(LayerCheck, ANonFiniteErrorNeverPasses) {
  EXPECT_FALSE((LayerCheckRow{"l", "o", std::nan(""), 1}).passed());
  EXPECT_FALSE((LayerCheckRow{"l", "o", INFINITY, 1}).passed());
  EXPECT_TRUE((LayerCheckRow{"l", "o", 1, 1}).passed());
}

}  // namespace
}  // namespace trainsim::kernels::model
