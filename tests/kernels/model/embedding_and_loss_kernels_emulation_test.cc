// The CUDA back-end's embedding and loss kernels (embedding_and_loss_kernels.cuh), their own source run on the CPU
// through cuda_host_emulation.h, against the CPU references the model runs (embedding.h, cross_entropy.h) on the same
// inputs, at both storage types; the bounds and why: emulated_storage.h. A lookup is a copy (exact at either type);
// the scatter-add adds each column's rows in the reference's order (exact at FP64).
// clang-format off
// The shim first: the kernel header takes the CUDA built-ins from it.
#include "tests/kernels/common/cuda_host_emulation.h"
#include "kernels/model/embedding_and_loss_kernels.cuh"
#include "tests/kernels/model/emulated_storage.h"
// clang-format on

#include <gtest/gtest.h>

#include <vector>

#include "kernels/model/cross_entropy.h"
#include "kernels/model/embedding.h"

namespace trainsim::kernels {
namespace {

namespace md = model_device;
using namespace testing::emulated_storage;
using testing::rel_l2;

template <class T>
class EmbeddingAndLossKernelEmulation : public ::testing::Test {};
TYPED_TEST_SUITE(EmbeddingAndLossKernelEmulation, StorageTypes);

TYPED_TEST(EmbeddingAndLossKernelEmulation, TheLookupAndItsScatterAddMatchTheReference) {
  using T = TypeParam;
  using A = md::ArithmeticOf<T>;
  const int vocab = 11, hidden = 150;             // hidden over one block of threads and a second, partial one
  const std::vector<int> ids{3, 0, 10, 3, 7, 3};  // token 3 three times: its gradient rows add up in order
  const int tokens = int(ids.size());
  const auto table = values<T>(size_t(vocab) * hidden, 1), dy = values<T>(size_t(tokens) * hidden, 2),
             d_table0 = values<T>(table.size(), 3);
  const std::vector<T> s_table = stored<T>(table), s_dy = stored<T>(dy);

  std::vector<T> rows(size_t(tokens) * hidden);
  md::launch_embedding_gather(kEmulated, ids.data(), tokens, s_table.data(), hidden, rows.data());
  EXPECT_EQ(read(rows), model::embedding_forward(table, hidden, ids));  // a copy: exact

  std::vector<A> d_table = in_arithmetic<A>(d_table0);
  md::launch_embedding_scatter_add(kEmulated, ids.data(), tokens, s_dy.data(), hidden, d_table.data());
  std::vector<double> d_table_ref = d_table0;
  model::embedding_backward(ids, hidden, dy, d_table_ref);
  const std::vector<double> got(d_table.begin(), d_table.end());
  if constexpr (kBf16<T>)
    EXPECT_LE(rel_l2(got, d_table_ref), arithmetic_bound<T>());
  else
    EXPECT_EQ(got, d_table_ref);  // the same additions in the same order
  for (int c = 0; c < hidden; ++c)  // a row no token chose keeps what it held
    EXPECT_EQ(got[size_t(5) * hidden + c], d_table_ref[size_t(5) * hidden + c]);
}

TYPED_TEST(EmbeddingAndLossKernelEmulation, TheLossAndTheLogitsGradientMatchTheReference) {
  using T = TypeParam;
  using A = md::ArithmeticOf<T>;
  const int rows = 5, vocab = 300;                    // a row over three passes of the block's threads
  const std::vector<int> targets{7, 299, -1, 0, 7};  // row 2 ends its sequence: no target, no gradient
  std::vector<double> logits = values<T>(size_t(rows) * vocab, 4);
  for (double& z : logits) z *= 32;  // exp(z) overflows without the max taken out first (exact in BF16: 2^5)
  const model::CrossEntropyResult ref = model::cross_entropy(logits, rows, vocab, targets);
  ASSERT_EQ(ref.count, 4);

  const std::vector<T> s_logits = stored<T>(logits);
  std::vector<T> d_logits(logits.size());
  std::vector<A> loss_of_row(rows);
  md::launch_cross_entropy(kEmulated, s_logits.data(), rows, vocab, targets.data(), A(ref.count), d_logits.data(),
                           loss_of_row.data());
  double loss = 0;
  for (const A l : loss_of_row) loss += double(l);
  loss /= ref.count;
  EXPECT_LE(std::abs(loss - ref.loss) / ref.loss, arithmetic_bound<T>());
  EXPECT_LE(rel_l2(read(d_logits), ref.d_logits), stored_bound<T>());
  EXPECT_EQ(loss_of_row[2], A(0));
  for (int v = 0; v < vocab; ++v) EXPECT_EQ(read(d_logits)[size_t(2) * vocab + v], 0.0);
}

}  // namespace
}  // namespace trainsim::kernels
