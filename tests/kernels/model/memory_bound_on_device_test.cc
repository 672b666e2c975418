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

#include "kernels/model/layer_check.h"

namespace trainsim::kernels::model {
namespace {

ModelConfig gpu_config() {
  return load_model_config(std::string(TRAINSIM_SOURCE_DIR) + "/kernels/model/configs/reduced-deepseek-v3-gpu.json");
}

// The rows of the memory-bound ops, by their layer names (layer_check.cc's memory_bound_ops).
bool memory_bound_row(const LayerCheckRow& r) {
  for (const char* layer : {"norm", "add", "swiglu.", "rope.", "expert ", "embedding.", "cross_entropy"})
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
  // 2 norms x 3 outputs, the add, SwiGLU's 2, RoPE's 6, an expert's 5, the embedding's 2, the loss's 2
  EXPECT_EQ(memory_bound_rows, 24);
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

TEST(MemoryBoundOnDevice, TheLayerCheckPassesWithTheKernelsAndTheirGlueAtBf16) {
  expect_every_row_passes(GemmPrecision::kBF16);
}
TEST(MemoryBoundOnDevice, TheLayerCheckPassesWithTheKernelsAndTheirGlueAtFp64) {
  expect_every_row_passes(GemmPrecision::kFP64);
}

}  // namespace
}  // namespace trainsim::kernels::model
