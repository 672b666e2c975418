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
  for (const char* layer : {"gemm", "attention.forward", "attention.backward", "norm", "add", "swiglu.forward",
                            "swiglu.backward", "rope.forward", "rope.backward", "expert", "mla.forward",
                            "mla.backward", "mlp.forward", "mlp.backward", "moe.router", "moe.forward", "moe.backward",
                            "embedding.forward", "embedding.backward", "cross_entropy", "routing.topk",
                            "routing.layout", "routing.topk.backward",
                            "routing.balance_loss", "adamw", "gradient", "model"})
    EXPECT_TRUE(layers.count(layer)) << layer;
  // The memory-bound ops' rows, by their outputs (layer names carry the shapes).
  std::set<std::string> outputs;
  for (const LayerCheckRow& r : rows) outputs.insert(r.output);
  for (const char* output : {"dgamma", "sum", "act", "dh", "q", "k", "v", "d_q_up", "d_kv_up", "d_kv_down", "rows",
                             "d_rows", "d_gates", "d_table", "d_logits"})
    EXPECT_TRUE(outputs.count(output)) << output;
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

// The CPU with the attention core's and the memory-bound ops' inputs and outputs rounded to BF16, as the CUDA
// back-end's kernels read and write them at BF16 and FP8 (their FP32 insides aside; the outputs they keep in FP32,
// the gamma and gate gradients and the experts' sums, unrounded): the CUDA back-end's largest departures from the
// CPU's arithmetic, which the bounds of the layers and the model must hold.
class Bf16StorageBackend final : public testing::CpuDelegatingBackend {
 public:
  std::vector<double> rmsnorm(std::span<const double> x, int rows, int dim, int stride, std::span<const double> gamma,
                              double eps, GemmPrecision precision) override {
    return rounded(cpu_backend().rmsnorm(rounded(x), rows, dim, stride, rounded(gamma), eps, precision));
  }
  std::vector<double> rmsnorm_backward(std::span<const double> x, int rows, int dim, int stride,
                                       std::span<const double> gamma, double eps, std::span<const double> dy,
                                       std::span<double> dgamma, GemmPrecision precision) override {
    return rounded(cpu_backend().rmsnorm_backward(rounded(x), rows, dim, stride, rounded(gamma), eps, rounded(dy),
                                                  dgamma, precision));
  }
  void add(std::span<double> sum, std::span<const double> other, GemmPrecision precision) override {
    std::vector<double> s = rounded(sum);
    cpu_backend().add(s, rounded(other), precision);
    round_into(s, sum);
  }
  void swiglu(std::span<const double> h, int rows, int inter, std::span<double> act,
              GemmPrecision precision) override {
    cpu_backend().swiglu(rounded(h), rows, inter, act, precision);
    round_into(act, act);
  }
  void swiglu_backward(std::span<const double> h, int rows, int inter, std::span<const double> d_act,
                       std::span<double> dh, GemmPrecision precision) override {
    cpu_backend().swiglu_backward(rounded(h), rows, inter, rounded(d_act), dh, precision);
    round_into(dh, dh);
  }
  void assemble_qkv(const MlaDims& d, std::span<const double> q_up, std::span<const double> kv_up,
                    std::span<const double> kv_down, std::span<const int> positions, MlaQkvRef& out,
                    GemmPrecision precision) override {
    cpu_backend().assemble_qkv(d, rounded(q_up), rounded(kv_up), rounded(kv_down), positions, out, precision);
    for (std::vector<double>* x : {&out.q, &out.k, &out.v}) round_into(*x, *x);
  }
  void assemble_qkv_backward(const MlaDims& d, std::span<const double> dq, std::span<const double> dk,
                             std::span<const double> dv, std::span<const int> positions, std::vector<double>& d_q_up,
                             std::vector<double>& d_kv_up, std::span<double> d_kv_down,
                             GemmPrecision precision) override {
    cpu_backend().assemble_qkv_backward(d, rounded(dq), rounded(dk), rounded(dv), positions, d_q_up, d_kv_up,
                                        d_kv_down, precision);
    for (std::vector<double>* x : {&d_q_up, &d_kv_up}) round_into(*x, *x);
    round_into(d_kv_down, d_kv_down);
  }
  void gather_expert_rows(const ExpertLayout& layout, int expert, std::span<const double> x, int hidden,
                          std::span<double> rows, GemmPrecision precision) override {
    cpu_backend().gather_expert_rows(layout, expert, rounded(x), hidden, rows, precision);
  }
  void scatter_add_expert_rows(const ExpertLayout& layout, int expert, std::span<const double> d_rows, int hidden,
                               std::span<double> dx, GemmPrecision precision) override {
    cpu_backend().scatter_add_expert_rows(layout, expert, rounded(d_rows), hidden, dx, precision);
  }
  void combine_expert_rows(const ExpertLayout& layout, int expert, std::span<const double> gates,
                           std::span<const double> rows, int hidden, std::span<double> y,
                           GemmPrecision precision) override {
    cpu_backend().combine_expert_rows(layout, expert, gates, rounded(rows), hidden, y, precision);
  }
  void combine_expert_rows_backward(const ExpertLayout& layout, int expert, std::span<const double> gates,
                                    std::span<const double> rows, std::span<const double> dy, int hidden,
                                    std::span<double> d_rows, std::span<double> d_gates,
                                    GemmPrecision precision) override {
    cpu_backend().combine_expert_rows_backward(layout, expert, gates, rounded(rows), rounded(dy), hidden, d_rows,
                                               d_gates, precision);
    round_into(d_rows, d_rows);
  }
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
    round_into(x, r);
    return r;
  }
  static void round_into(std::span<const double> x, std::span<double> to) {
    for (size_t i = 0; i < x.size(); ++i) to[i] = double(round_to_bf16(float(x[i])));
  }
};

TEST(LayerCheck, BoundsHoldTheCudaBackendsBf16StorageOnTheCpu) {
  Bf16StorageBackend bf16_storage;
  for (GemmPrecision precision : {GemmPrecision::kBF16, GemmPrecision::kFP8}) {
    LayerCheckOptions o;
    o.precision = precision;
    const std::vector<LayerCheckRow> rows = check_layers(gpu_config(), cpu_backend(), bf16_storage, o);
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
