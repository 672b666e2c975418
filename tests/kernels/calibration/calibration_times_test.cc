// The drivers' times CSV (kernels/calibration/calibration_times.h): the device line, the header, and a row per call
// whose kernel name Python's csv module reads back whole, commas and quotes included (cuBLASLt's fallback label
// holds both: "cuBLASLt FP8 per-tensor scales (block scaling refused: ...)").
#include "kernels/calibration/calibration_times.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace trainsim::kernels {
namespace {

TEST(CalibrationTimes, QuotesAKernelNameWithACommaOrAQuote) {
  const std::string path = ::testing::TempDir() + "calibration_times_test.csv";
  {
    CalibrationTimes times(path, "NVIDIA H200", 132, "13000");
    times.add("fp8_gemm.000", 1.5e-5, 132, "sm90_fp8_gemm wgmma");
    times.add("fp8_gemm.001", 2.5e-5, 132, "cuBLASLt FP8 per-tensor scales (refused: \"VEC128_32F\", mode 2)");
    times.add("bf16_gemm.276", 3.8e-5, 132, "cublaslt-bf16 x 8 groups", 8);  // one GEMM call per group
    EXPECT_THROW(times.add("bf16_gemm.277", 1e-6, 132, "none", 0), std::invalid_argument);
  }
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(),
            "# device: name=NVIDIA H200; sm_count=132; cuda=13000\n"
            "id,seconds,sms,kernel,kernel_calls\n"
            "fp8_gemm.000,1.5e-05,132,sm90_fp8_gemm wgmma,1\n"
            "fp8_gemm.001,2.5e-05,132,\"cuBLASLt FP8 per-tensor scales (refused: \"\"VEC128_32F\"\", mode 2)\",1\n"
            "bf16_gemm.276,3.8e-05,132,cublaslt-bf16 x 8 groups,8\n");
  std::remove(path.c_str());
}

}  // namespace
}  // namespace trainsim::kernels
