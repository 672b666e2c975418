// fp8_padding.h on the CPU references the CUDA back-end's kernels are checked against (fp8::make_training_operands,
// fp8::gemm_tensor_core_model): a linear layer's FP8 GEMM at ragged sizes, padded with zeros to what the GPU kernels
// take, gives the unpadded GEMM's output bit for bit, for each of Fprop, Dgrad and Wgrad.
#include <gtest/gtest.h>

#include "kernels/common/random_fill.h"
#include "kernels/fp8/gemm_ref.h"
#include "kernels/model/fp8_padding.h"

namespace trainsim::kernels::model {
namespace {

std::vector<double> fp8_gemm_on_cpu(fp8::GemmKind kind, const Fp8LayerSizes& s, const std::vector<float>& first,
                                    const std::vector<float>& second, int cols) {
  const fp8::GemmOperands ops = fp8::make_training_operands(kind, s.tokens, s.in, s.out, first, second);
  const std::vector<float> d = fp8::gemm_tensor_core_model(ops.a, ops.b, fp8::TensorCoreAccumulation{}, true);
  return fp8_unpadded_output(d, ops.a.rows, ops.b.rows, cols);
}

TEST(Fp8Padding, ZerosChangeNoBitOfAnyTrainingGemm) {
  // 33 tokens (an expert's rows: Wgrad's K), in 40 and out 20: every kind pads its K and some its N.
  const Fp8LayerSizes sizes{33, 40, 20};
  for (fp8::GemmKind kind : {fp8::GemmKind::kFprop, fp8::GemmKind::kDgrad, fp8::GemmKind::kWgrad}) {
    SCOPED_TRACE(std::string(fp8::to_string(kind)));
    const Fp8LayerSizes to = fp8_padded_sizes(kind, sizes);
    const fp8::GemmShape shape = fp8::training_gemm_shape(kind, sizes.tokens, sizes.in, sizes.out),
                         padded = fp8::training_gemm_shape(kind, to.tokens, to.in, to.out);
    EXPECT_EQ(padded.k % 16, 0);
    EXPECT_EQ(padded.n % 8, 0);
    EXPECT_EQ(padded.m, shape.m);  // M is never padded
    EXPECT_GT(padded.k, shape.k);  // these sizes pad every kind's K
    const size_t first_count = size_t(sizes.tokens) * (kind == fp8::GemmKind::kFprop ? sizes.in : sizes.out);
    const size_t second_count = size_t(kind == fp8::GemmKind::kWgrad ? sizes.tokens : sizes.out) * sizes.in;
    const std::vector<double> first = uniform_doubles(first_count, 7), second = uniform_doubles(second_count, 8);
    const Fp8GemmTensors unpadded = fp8_padded_tensors(kind, sizes, sizes, first, second);
    const Fp8GemmTensors with_zeros = fp8_padded_tensors(kind, sizes, to, first, second);
    EXPECT_EQ(unpadded.first.size(), first_count);
    const std::vector<double> want = fp8_gemm_on_cpu(kind, sizes, unpadded.first, unpadded.second, shape.n);
    const std::vector<double> got = fp8_gemm_on_cpu(kind, to, with_zeros.first, with_zeros.second, shape.n);
    ASSERT_EQ(got.size(), size_t(shape.m) * shape.n);
    for (size_t i = 0; i < want.size(); ++i) ASSERT_EQ(got[i], want[i]) << i;
  }
}

}  // namespace
}  // namespace trainsim::kernels::model
