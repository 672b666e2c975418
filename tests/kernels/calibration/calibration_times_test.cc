// The drivers' times CSV (kernels/calibration/calibration_times.h): the device line, the header, and a row per call
// whose kernel name Python's csv module reads back whole, commas and quotes included (cuBLASLt's fallback label
// holds both: "cuBLASLt FP8 per-tensor scales (block scaling refused: ...)").
#include "kernels/calibration/calibration_times.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace trainsim::kernels {
namespace {

TEST(CalibrationTimes, QuotesAKernelNameWithACommaOrAQuote) {
  const std::string path = ::testing::TempDir() + "calibration_times_test.csv";
  {
    CalibrationTimes times(path, "NVIDIA H200", 132, "13000");
    times.add("fp8_gemm.000", 1.5e-5, 132, "sm90_fp8_gemm wgmma");
    times.add("fp8_gemm.001", 2.5e-5, 132, "cuBLASLt FP8 per-tensor scales (refused: \"VEC128_32F\", mode 2)");
  }
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(),
            "# device: name=NVIDIA H200; sm_count=132; cuda=13000\n"
            "id,seconds,sms,kernel\n"
            "fp8_gemm.000,1.5e-05,132,sm90_fp8_gemm wgmma\n"
            "fp8_gemm.001,2.5e-05,132,\"cuBLASLt FP8 per-tensor scales (refused: \"\"VEC128_32F\"\", mode 2)\"\n");
  std::remove(path.c_str());
}

}  // namespace
}  // namespace trainsim::kernels
