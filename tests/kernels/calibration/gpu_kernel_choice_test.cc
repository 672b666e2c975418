// calibration_run's choice of kernel (kernels/calibration/gpu_kernel_choice.h): hand-counted shapes of the default
// scenario's calls, and every call of every committed plan given a kernel, so that a plan call the GPU run would
// refuse fails here and not in a device lease (the first H200 run, kernels/runs/2026-12-04-h200, refused 72 of the
// default plan's calls, 34 of the reduced model's and 58 of its FP8 plan's).
#include "kernels/calibration/gpu_kernel_choice.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace trainsim::kernels {
namespace {

CalibrationCall call(const std::string& line) { return parse_calibration_call(line, 1); }

TEST(GpuKernelChoice, QuantizeCastsWholeRowsAndACopyStandsInForTheFusedCasts) {
  // quant_x of 4096 tokens x 7168: per element BF16 read (2), E4M3 written (1), a scale per 128 (4/128):
  // 4096 x 7168 x 97/32 = 88,997,888 bytes (the default plan's memory_bound.024).
  const GpuKernelChoice x = choose_gpu_kernel(call("memory_bound.024 memory_bound quantize fp8 F 132 bytes=88997888"));
  EXPECT_EQ(x.kernel, GpuKernel::kQuantizeRows);
  EXPECT_EQ(x.rows, 4096);
  EXPECT_EQ(x.cols, 7168);
  // quant_dy of attn.q_down's dY, 4096 x 1536, both layouts: 2 + 2 x (1 + 4/128) = 65/16 bytes an element,
  // 25,559,040 bytes: no kernel of ours casts and transposes in one pass, so a copy of those bytes times it.
  const GpuKernelChoice dy = choose_gpu_kernel(call("memory_bound.030 memory_bound quantize fp8 F 132 bytes=25559040"));
  EXPECT_EQ(dy.kernel, GpuKernel::kCopy);
  EXPECT_NE(dy.stand_in.find("cast-transpose"), std::string::npos) << dy.stand_in;
}

TEST(GpuKernelChoice, TheRouterKernelTakesDeepSeekV3sLogitsAndACopyAnotherRouters) {
  // 4096 tokens x 256 experts x 4 bytes.
  const GpuKernelChoice v3 = choose_gpu_kernel(call("memory_bound.1 memory_bound router fp32 F 132 bytes=4194304"));
  EXPECT_EQ(v3.kernel, GpuKernel::kRouter);
  EXPECT_EQ(v3.rows, 4096);
  // The reduced model's top-k over 8 experts, 24 tokens (its plan's memory_bound.070): 24 x 8 x 4 = 768 bytes are
  // not whole tokens of 256 logits (1,024 bytes each).
  const GpuKernelChoice small = choose_gpu_kernel(call("memory_bound.2 memory_bound router fp32 F 132 bytes=768"));
  EXPECT_EQ(small.kernel, GpuKernel::kCopy);
  EXPECT_FALSE(small.stand_in.empty());
}

TEST(GpuKernelChoice, GroupedAndAttentionCallsStartTheirOffsetsAtZero) {
  const GpuKernelChoice grouped =
      choose_gpu_kernel(call("f.1 fp8_gemm grouped_gemm fp8 F 132 groups=4 m=8192 n=4096 k=7168"));
  EXPECT_EQ(grouped.kernel, GpuKernel::kFp8GroupedGemm);
  EXPECT_EQ(grouped.offsets, (std::vector<int>{0, 8192, 16384, 24576, 32768}));
  // Pass W: the groups' rows are k, each padded to 128 (100 -> 128).
  EXPECT_EQ(choose_gpu_kernel(call("f.2 fp8_weight_gemm grouped_gemm fp8 W 132 groups=2 m=64 n=32 k=100")).offsets,
            (std::vector<int>{0, 128, 256}));
  EXPECT_EQ(choose_gpu_kernel(call("b.1 bf16_gemm grouped_gemm bf16 F 132 groups=8 m=12 n=128 k=256")).kernel,
            GpuKernel::kBf16GemmPerGroup);
  const GpuKernelChoice attention = choose_gpu_kernel(
      call("a.1 attention_backward attention bf16 Bi 132 batch=2 heads=2 seq_q=48 seq_kv=48 head_dim=192 "
           "value_dim=128"));
  EXPECT_EQ(attention.kernel, GpuKernel::kAttentionBackward);
  EXPECT_EQ(attention.offsets, (std::vector<int>{0, 48, 96}));
  EXPECT_THROW(choose_gpu_kernel(call("a.2 attention_forward attention bf16 F 132 batch=2 heads=2 seq_q=48 seq_kv=24 "
                                      "head_dim=192 value_dim=128")),
               std::invalid_argument);
  EXPECT_THROW(choose_gpu_kernel(call("b.2 bf16_gemm gemm fp32 F 132 m=4 n=4 k=4")), std::invalid_argument);
}

// A plan's call as calibration_io.py flattens it: "id family op dtype pass sms key=value ...".
std::string flattened(const nlohmann::json& c) {
  std::string line = c["id"].get<std::string>() + " " + c["family"].get<std::string>() + " " +
                     c["op"].get<std::string>() + " " + c["dtype"].get<std::string>() + " " +
                     c["pass"].get<std::string>() + " " + std::to_string(c["sms"].get<int>());
  for (const auto& [key, size] : c["shape"].items()) line += " " + key + "=" + std::to_string(size.get<long long>());
  return line;
}

TEST(GpuKernelChoice, EveryCallOfEveryCommittedPlanHasAKernel) {
  for (const char* plan_file : {"kernels/calibration/deepseek-v3-2048xh800.plan.json",
                                "kernels/calibration/llama-3.1-405b-16384xh100.plan.json",
                                "kernels/model/reduced-deepseek-v3-h100.plan.json",
                                "kernels/model/reduced-deepseek-v3-h100-fp8.plan.json"}) {
    std::ifstream in(std::string(TRAINSIM_SOURCE_DIR) + "/" + plan_file);
    ASSERT_TRUE(in) << plan_file;
    const nlohmann::json plan = nlohmann::json::parse(in);
    const int full_sms = plan["device"]["sm_count"].get<int>();
    int chosen = 0;
    for (const nlohmann::json& c : plan["calls"]) {
      if (c["sms"].get<int>() < full_sms) continue;  // skipped on the GPU: no kernel can be held to fewer SMs
      const std::string line = flattened(c);
      try {
        choose_gpu_kernel(call(line));
        ++chosen;
      } catch (const std::invalid_argument& e) {
        ADD_FAILURE() << plan_file << ": " << line << ": " << e.what();
      }
    }
    EXPECT_GT(chosen, 100) << plan_file;  // each plan has hundreds of calls at the full SM count
  }
}

}  // namespace
}  // namespace trainsim::kernels
