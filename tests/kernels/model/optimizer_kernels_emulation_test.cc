// The CUDA back-end's optimizer kernels (optimizer_kernels.cuh), their own source run on the CPU through
// cuda_host_emulation.h: AdamW's step equals adamw.h's bit for bit (master weights and both moments' BF16 bits, over
// steps whose moments carry over, on gradients of every scale the model's take), as the kernel rounds each operation
// as the reference does; the zeroing leaves zeros.
// clang-format off
// The shim first: the kernel header takes the CUDA built-ins from it.
#include "tests/kernels/common/cuda_host_emulation.h"
#include "kernels/model/optimizer_kernels.cuh"
#include "tests/kernels/model/emulated_storage.h"
// clang-format on

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kernels/model/adamw.h"

namespace trainsim::kernels {
namespace {

namespace md = model_device;
using namespace testing::emulated_storage;

TEST(OptimizerKernelEmulation, AdamWsStepIsTheReferencesBitForBit) {
  const size_t count = 1000;  // over 8 blocks of 128 threads: the grid-stride loop's tail
  const std::vector<double> weights0 = values<double>(count, 1);
  model::AdamWConfig config;
  config.learning_rate = 3e-3;
  model::AdamWState ref = model::adamw_state(weights0);
  std::vector<double> ref_weights = weights0;
  std::vector<float> master = ref.master;
  std::vector<__nv_bfloat16> m(count, __float2bfloat16(0.f)), v(count, __float2bfloat16(0.f));
  for (int step = 1; step <= 3; ++step) {
    std::vector<double> grad = values<double>(count, 10 + step);
    for (size_t i = 0; i < count; ++i) grad[i] *= std::ldexp(1.0, int(i % 41) - 30);  // 2^-30 to 2^10
    const double decay = step == 2 ? 0.0 : config.weight_decay;                       // a gain's step too
    model::adamw_step(config, step, decay, grad, ref, ref_weights);
    const std::vector<float> g(grad.begin(), grad.end());
    md::launch_adamw(kEmulated, model::adamw_step_constants(config, step, decay), g.data(), master.data(), m.data(),
                     v.data(), int64_t(count));
    for (size_t i = 0; i < count; ++i) {
      ASSERT_EQ(master[i], ref.master[i]) << "step " << step << ", element " << i;
      ASSERT_EQ(m[i].bits, ref.m_bf16[i]) << "step " << step << ", element " << i;
      ASSERT_EQ(v[i].bits, ref.v_bf16[i]) << "step " << step << ", element " << i;
    }
  }
  EXPECT_NE(master, std::vector<float>(weights0.begin(), weights0.end()));  // the weights moved
}

TEST(OptimizerKernelEmulation, TheZeroingLeavesZeros) {
  std::vector<float> gradient(300, 1.5f);
  md::launch_zero(kEmulated, gradient.data(), int64_t(gradient.size()));
  EXPECT_EQ(gradient, std::vector<float>(300, 0.f));
}

}  // namespace
}  // namespace trainsim::kernels
