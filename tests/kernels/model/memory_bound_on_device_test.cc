// The CUDA back-end's memory-bound ops through their host glue and kernels (memory_bound_on_device.cuh), the kernels
// run on the CPU (emulated_memory_bound_backend.h), held by the layer check (layer_check.h) to the CPU back-end on
// the GPU's own config, as model_cuda_check holds the CUDA back-end on a GPU: every row passes at BF16 and FP64
// GEMMs, and the memory-bound rows compare something (BF16 storage leaves an error; FP64 storage agrees to
// rounding). FP8 GEMMs store these ops' tensors in BF16 too, so their kernels and glue are the BF16 run's (and the
// CPU's FP8 GEMMs take minutes under the sanitizers): left to model_cuda_check on the GPU. Labelled long: the
// emulation starts a thread per CUDA thread (tens of seconds under ASan); memory_bound_kernels_emulation_test runs
// every kernel under the sanitizers.
#include "tests/kernels/model/emulated_memory_bound_backend.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <set>
#include <string>

#include "kernels/model/adamw.h"
#include "kernels/model/layer_check.h"
#include "kernels/model/layer_check_ops.h"
#include "kernels/model/expert_bias_update.h"
#include "kernels/model/model_parameters.h"
#include "kernels/model/reduced_deepseek_v3.h"
#include "kernels/model/training_step.h"
#include "tests/kernels/model/model_test_util.h"

namespace trainsim::kernels::model {
namespace {

ModelConfig gpu_config() {
  return load_model_config(std::string(TRAINSIM_SOURCE_DIR) + "/kernels/model/configs/reduced-deepseek-v3-gpu.json");
}

// The rows of the memory-bound ops, by their layer names (layer_check.cc's memory_bound_ops).
bool memory_bound_row(const LayerCheckRow& r) {
  for (const char* layer : {"norm", "add", "swiglu.", "rope.", "expert ", "embedding.", "cross_entropy", "routing.",
                            "adamw", "gradient zeroing"})
    if (r.layer.rfind(layer, 0) == 0) return true;
  return false;
}

void expect_every_row_passes(GemmPrecision precision) {
  testing::EmulatedMemoryBoundBackend emulated;
  LayerCheckOptions o;
  o.precision = precision;
  const std::vector<LayerCheckRow> rows = check_layers(gpu_config(), cpu_backend(), emulated, o);
  std::printf("%s", layer_check_table(rows).c_str());
  EXPECT_GT(emulated.kernel_calls, 0);
  int memory_bound_rows = 0;
  double largest = 0;
  for (const LayerCheckRow& r : rows) {
    EXPECT_TRUE(r.passed()) << r.layer << " " << r.output << ": " << r.error << " against " << r.bound;
    if (!memory_bound_row(r)) continue;
    ++memory_bound_rows;
    largest = std::max(largest, r.error);
  }
  // 2 norms x 3 outputs, the add, SwiGLU's 2, RoPE's 6, an expert's 5, the embedding's 2, the loss's 2, the routing's
  // 6, the optimizer's 2
  EXPECT_EQ(memory_bound_rows, 32);
  if (precision == GemmPrecision::kFP64) {
    EXPECT_LE(largest, 1e-12);  // FP64 storage: the references' arithmetic in another order
  } else {
    EXPECT_GT(largest, 1e-4);   // BF16 storage rounds: an error of a few 2^-9 where nothing was compared would be 0
  }
}

// The model's two ends run their kernels (the layer check's rows of them agree to 0 on BF16-representable inputs, as
// the CPU reference would), and an id outside the table is the reference's error, not a read outside a buffer.
TEST(MemoryBoundOnDevice, TheEmbeddingAndTheLossRunTheirKernels) {
  testing::EmulatedMemoryBoundBackend emulated;
  const int hidden = 3;
  const std::vector<double> table{1, 2, 3, 4, 5, 6};  // 2 ids x 3
  const std::vector<int> ids{1, 0, 1};
  EXPECT_EQ(emulated.embedding_forward(table, hidden, ids, GemmPrecision::kBF16),
            (std::vector<double>{4, 5, 6, 1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(emulated.kernel_calls, 1);
  std::vector<double> d_table(table.size(), 0.0);
  emulated.embedding_backward(ids, hidden, std::vector<double>{1, 1, 1, 2, 2, 2, 4, 4, 4}, d_table,
                              GemmPrecision::kBF16);
  EXPECT_EQ(d_table, (std::vector<double>{2, 2, 2, 5, 5, 5}));  // id 1: rows 0 and 2
  EXPECT_EQ(emulated.kernel_calls, 2);
  // Two rows over a vocabulary of 2, logits equal: p = 1/2 each; the second row has no target.
  const CrossEntropyResult ce =
      emulated.cross_entropy(std::vector<double>{0, 0, 5, 7}, 2, 2, std::vector<int>{1, -1}, kOriginalPrecision);
  EXPECT_EQ(emulated.kernel_calls, 3);
  EXPECT_EQ(ce.count, 1);
  EXPECT_DOUBLE_EQ(ce.loss, std::log(2.0));
  EXPECT_EQ(ce.d_logits, (std::vector<double>{0.5, -0.5, 0, 0}));
  EXPECT_THROW(emulated.embedding_forward(table, hidden, std::vector<int>{2}, GemmPrecision::kBF16),
               std::out_of_range);
  EXPECT_THROW(emulated.embedding_backward(std::vector<int>{-1}, hidden, std::vector<double>{1, 1, 1}, d_table,
                                           GemmPrecision::kBF16),
               std::out_of_range);
  EXPECT_EQ(emulated.kernel_calls, 3);
}

// AdamW through the glue is the CPU's step bit for bit (the kernel rounds as the reference), a launch per decay, and
// the zeroing is one launch over every gradient.
TEST(MemoryBoundOnDevice, TheOptimizerRunsItsKernelsAndStepsAsTheCpu) {
  testing::EmulatedMemoryBoundBackend emulated;
  // Three tensors, two decayed (laid end to end in one launch) and a gain (a launch of its own).
  const std::vector<std::vector<double>> w0{{0.5, -0.25, 1e-3}, {3.0, 1.0}, {-2.0}},
      g{{1e-4, -2.0, 0.5}, {7.0, -1e-6}, {0.25}};
  const double decays[] = {0.1, 0.0, 0.1};
  const AdamWConfig config;
  std::vector<AdamWState> ref, got;
  std::vector<std::vector<double>> w_ref = w0, w_got = w0;
  for (const auto& w : w0) ref.push_back(adamw_state(w)), got.push_back(adamw_state(w));
  for (int step = 1; step <= 2; ++step) {
    std::vector<AdamWTensor> tensors;
    for (size_t i = 0; i < w0.size(); ++i) {
      adamw_step(config, step, decays[i], g[i], ref[i], w_ref[i]);
      tensors.push_back({decays[i], g[i], &got[i], w_got[i]});
    }
    emulated.adamw_step(config, step, tensors);
  }
  EXPECT_EQ(emulated.kernel_calls, 4);  // two decays a step
  for (size_t i = 0; i < w0.size(); ++i) {
    EXPECT_EQ(w_got[i], w_ref[i]) << i;
    EXPECT_EQ(got[i].master, ref[i].master) << i;
    EXPECT_EQ(got[i].m_bf16, ref[i].m_bf16) << i;
    EXPECT_EQ(got[i].v_bf16, ref[i].v_bf16) << i;
    EXPECT_NE(w_got[i], w0[i]) << i;
  }
  ModelWeights grads = ModelWeights::zeros(testing::tiny_config());
  int tensors = 0;
  for_each_parameter(grads, grads, [&](const std::string&, int, std::vector<double>& t, std::vector<double>&) {
    std::fill(t.begin(), t.end(), 1.0);
    tensors += !t.empty();
  });
  emulated.zero_gradients(grads);
  EXPECT_GT(tensors, 1);
  EXPECT_EQ(emulated.kernel_calls, 4 + 1);  // one launch over the whole buffer
  for_each_parameter(grads, grads, [&](const std::string& name, int, std::vector<double>& t, std::vector<double>&) {
    EXPECT_EQ(t, std::vector<double>(t.size(), 0.0)) << name;
  });
}

// Training through the glue: every op the CUDA back-end runs on this folder's kernels (the memory-bound ops, the two
// ends, the routing, the optimizer), emulated, at FP64 GEMMs (so FP64 storage): three steps of the tiny model (MoE
// with group-limited routing and its bias, the balance loss, MTP) train as on the CPU. Losses and weights within
// 1e-12 (FP64 in another order: the kernels' tree sums), the experts chosen and their biases identical (the
// routing kernels compute the references' bits on the CPU).
TEST(MemoryBoundOnDevice, TheTinyModelTrainsAsOnTheCpuThroughTheEmulatedKernels) {
  const ModelConfig c = testing::tiny_config();
  const std::vector<int> ids{3, 17, 4, 29, 0, 8, 8, 21, 30};
  struct Run {
    std::vector<double> losses;
    ModelWeights weights;
    std::vector<std::vector<double>> biases;
    std::vector<int> last_choice;
  };
  auto train = [&](ComputeBackend* backend) {
    ReducedDeepSeekV3 model(c, 5);
    model.weights = testing::test_weights(c, 6);
    model.options.gemm_precision = GemmPrecision::kFP64;
    model.options.backend = backend;
    AdamW optimizer(AdamWConfig{3e-3, 0.9, 0.95, 1e-8, 0.1}, model.weights);
    Run r;
    for (int step = 0; step < 3; ++step)
      r.losses.push_back(
          training_step(model, optimizer, ids, testing::test_batch(), kDeepSeekV3BiasUpdateSpeed).total_loss);
    r.weights = model.weights;
    r.biases = model.expert_bias;
    r.last_choice = model.last_expert_ids(0);
    return r;
  };
  testing::EmulatedMemoryBoundBackend emulated;
  const Run cpu = train(nullptr), device = train(&emulated);
  EXPECT_GT(emulated.kernel_calls, 0);
  ASSERT_EQ(device.losses.size(), cpu.losses.size());
  for (size_t i = 0; i < cpu.losses.size(); ++i)
    EXPECT_NEAR(device.losses[i], cpu.losses[i], 1e-12 * cpu.losses[i]) << "step " << i;
  EXPECT_NE(cpu.losses.front(), cpu.losses.back());  // it trained
  EXPECT_EQ(device.last_choice, cpu.last_choice);
  EXPECT_EQ(device.biases, cpu.biases);
  for_each_parameter(cpu.weights, device.weights,
                     [&](const std::string& name, int, const std::vector<double>& a, const std::vector<double>& b) {
                       EXPECT_LE(relative_l2(b, a), 1e-12) << name;
                     });
}

TEST(MemoryBoundOnDevice, TheLayerCheckPassesWithTheKernelsAndTheirGlueAtBf16) {
  expect_every_row_passes(GemmPrecision::kBF16);
}
TEST(MemoryBoundOnDevice, TheLayerCheckPassesWithTheKernelsAndTheirGlueAtFp64) {
  expect_every_row_passes(GemmPrecision::kFP64);
}

}  // namespace
}  // namespace trainsim::kernels::model
