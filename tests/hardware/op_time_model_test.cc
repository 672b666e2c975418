// The roofline op-time model: compute-bound and memory-bound ops, dtype peaks, the SM share of compute.
#include "hardware/op_time_model.h"

#include <gtest/gtest.h>

#include "hardware/gpu_catalog.h"

namespace trainsim::hw {
namespace {

RooflineEfficiencies exact() {
  RooflineEfficiencies e;
  e.fp8_gemm = e.bf16_gemm = e.attention = e.memory = e.vector = 1.0;
  e.fixed_overhead_s = 0;
  return e;
}

TEST(OpTimeModel, ComputeBoundGemmRunsAtItsDtypePeak) {
  const RooflineOpTimeModel model(find_gpu("h800"), exact());
  models::Op gemm{"g", models::OpKind::kGemm, models::Dtype::kFp8, models::Pass::kForward};
  gemm.flops = 1979e12;
  gemm.hbm_bytes = 1e9;
  EXPECT_DOUBLE_EQ(model.seconds(gemm), 1.0);
  gemm.dtype = models::Dtype::kBf16;
  EXPECT_DOUBLE_EQ(model.seconds(gemm), 1979.0 / 989.0);
}

TEST(OpTimeModel, MemoryBoundOpRunsAtHbmBandwidth) {
  const RooflineOpTimeModel model(find_gpu("h800"), exact());
  models::Op norm{"n", models::OpKind::kNorm, models::Dtype::kBf16, models::Pass::kForward};
  norm.flops = 1e9;
  norm.hbm_bytes = 3.35e12;
  EXPECT_DOUBLE_EQ(model.seconds(norm), 1.0);
}

TEST(OpTimeModel, CommunicationSmsSlowComputeOnly) {
  const RooflineOpTimeModel shared(find_gpu("h800"), exact(), 112.0 / 132.0);
  models::Op gemm{"g", models::OpKind::kGemm, models::Dtype::kFp8, models::Pass::kForward};
  gemm.flops = 1979e12;
  EXPECT_DOUBLE_EQ(shared.seconds(gemm), 132.0 / 112.0);
  models::Op copy{"c", models::OpKind::kPermute, models::Dtype::kBf16, models::Pass::kForward};
  copy.hbm_bytes = 3.35e12;
  EXPECT_DOUBLE_EQ(shared.seconds(copy), 1.0);
}

TEST(OpTimeModel, DefaultEfficienciesAddTheFixedCost) {
  const RooflineOpTimeModel model(find_gpu("h800"), RooflineEfficiencies{});
  models::Op tiny{"t", models::OpKind::kElementwise, models::Dtype::kBf16, models::Pass::kForward};
  tiny.hbm_bytes = 1;
  // The fixed launch cost plus one byte at the assumed share of HBM bandwidth (3.35 TB/s, docs/sources.md#dense-peaks).
  const RooflineEfficiencies e;
  EXPECT_NEAR(model.seconds(tiny), e.fixed_overhead_s + 1 / (3.35e12 * e.memory), 1e-18);  // rounding of one sum
}

}  // namespace
}  // namespace trainsim::hw
