// MeasuredPoints and a ShapedOpTimeModel that prices by them (CalibrationLaw::kPoints, the host's): an op takes the
// point of its own kernel shape on the SMs it runs on, nothing between points, an op without one is an error that
// names it, and the optimizer is priced at its measured time per byte.
#include "hardware/measured_points.h"

#include <gtest/gtest.h>

#include "hardware/calibrated_constants.h"
#include "hardware/host_device.h"
#include "hardware/shaped_op_time_model.h"

namespace trainsim::hw {
namespace {

using models::Dtype;
using models::GemmDims;
using models::Op;
using models::OpKind;
using models::Pass;

// A BF16 projection of 128 tokens, 128 -> 64, as the small reduced model's catalog has them.
Op projection(long long n = 64) {
  Op op{"attn.q_down", OpKind::kGemm, Dtype::kBf16, Pass::kForward};
  op.shape = GemmDims{1, 128, n, 128};
  op.flops = 2.0 * 128 * static_cast<double>(n) * 128;
  return op;
}

Op norm(double bytes) {
  Op op{"attn.norm", OpKind::kNorm, Dtype::kBf16, Pass::kForward};
  op.hbm_bytes = bytes;
  return op;
}

Calibration host_points() {
  Calibration c;
  c.file = "host.yaml";
  c.law = CalibrationLaw::kPoints;
  MeasuredPoint gemm;  // the projection's shape on 2 threads
  gemm.op = OpKind::kGemm;
  gemm.dtype = Dtype::kBf16;
  gemm.pass = Pass::kForward;
  gemm.shape = {{"m", 128}, {"n", 64}, {"k", 128}};
  gemm.sm_count = 2;
  gemm.seconds = 3e-4;
  c.points.push_back(gemm);
  MeasuredPoint memory;
  memory.op = OpKind::kNorm;
  memory.dtype = Dtype::kBf16;
  memory.shape = {{"bytes", 65536}};
  memory.sm_count = 2;
  memory.seconds = 2e-5;
  c.points.push_back(memory);
  c.optimizer = MeasuredPass{1e6, 1e-3};         // 1 MB in 1 ms
  c.gradient_zeroing = MeasuredPass{4e5, 1e-4};  // 400 kB in 0.1 ms
  return c;
}

TEST(MeasuredPoints, AnOpTakesThePointOfItsOwnShapeAndNothingBetweenPoints) {
  const MeasuredPoints points(host_points());
  EXPECT_EQ(points.seconds(projection(), 2), 3e-4);
  EXPECT_EQ(points.seconds(norm(65536), 2), 2e-5);
  EXPECT_FALSE(points.seconds(projection(), 1));     // the shape on other SMs
  EXPECT_FALSE(points.seconds(projection(96), 2));   // another shape: no interpolation
  EXPECT_FALSE(points.seconds(norm(65537), 2));      // one byte more
  Op fp8 = projection();
  fp8.dtype = Dtype::kFp8;
  EXPECT_FALSE(points.seconds(fp8, 2));  // another dtype is another kernel
}

// An expert's GEMM as the host runs it: one group of m x n x k (BF16: the forward's kernel family for every pass).
MeasuredPoint expert_point(long long m, double seconds, long long n = 64, long long k = 128) {
  MeasuredPoint p;
  p.op = OpKind::kGroupedGemm;
  p.dtype = Dtype::kBf16;
  p.pass = Pass::kForward;
  p.shape = {{"groups", 1}, {"m", m}, {"n", n}, {"k", k}};
  p.sm_count = 2;
  p.seconds = seconds;
  return p;
}

TEST(MeasuredPoints, UnevenGroupsAreTheSumOfTheirGroupsOwnPoints) {
  Calibration c = host_points();
  c.points.push_back(expert_point(5, 1e-5));
  c.points.push_back(expert_point(27, 4e-5));
  c.points.push_back(expert_point(64, 2e-5, 128, 5));  // the Wgrads: 64 x 128 contracting each expert's rows
  c.points.push_back(expert_point(64, 7e-5, 128, 27));
  const MeasuredPoints points(c);
  Op experts{"moe.experts.down", OpKind::kGroupedGemm, Dtype::kBf16, Pass::kForward};
  GemmDims dims(4, 8, 64, 128);  // 32 rows over 4 experts: 0, 5, 0 and 27 of them
  dims.tokens_by_group = {0, 5, 0, 27};
  experts.shape = dims;
  // The host runs each expert as its own call; the two idle ones run none.
  EXPECT_DOUBLE_EQ(*points.seconds(experts, 2), 1e-5 + 4e-5);
  // The Wgrad contracts each expert's rows: its groups are 64 x 128 over k = 5 and 27, points of their own.
  Op wgrad = experts;
  wgrad.pass = Pass::kBackwardWeight;
  GemmDims contracted(4, 64, 128, 8);
  contracted.tokens_by_group = {0, 5, 0, 27};
  contracted.tokens_are_k = true;
  wgrad.shape = contracted;
  EXPECT_DOUBLE_EQ(*points.seconds(wgrad, 2), 2e-5 + 7e-5);
  // One group without its point leaves the op without a time: nothing is read between points.
  dims.tokens_by_group = {0, 5, 1, 26};
  experts.shape = dims;
  EXPECT_FALSE(points.seconds(experts, 2));
}

TEST(MeasuredPoints, TheOptimizerIsPricedAtItsMeasuredTimePerByte) {
  const MeasuredPoints points(host_points());
  EXPECT_DOUBLE_EQ(*points.optimizer_seconds(1e6), 1e-3);
  EXPECT_DOUBLE_EQ(*points.optimizer_seconds(2.5e6), 2.5e-3);  // a streaming pass: time in proportion to bytes
  Calibration none = host_points();
  none.optimizer.reset();
  EXPECT_FALSE(MeasuredPoints(none).optimizer_seconds(1e6));
}

TEST(MeasuredPoints, TheGradientZeroingIsPricedAtItsOwnMeasuredTimePerByte) {
  const MeasuredPoints points(host_points());
  // 0.1 ms per 400 kB: 0.25 ns a byte, not the optimizer's 1 ns.
  EXPECT_DOUBLE_EQ(*points.gradient_zeroing_seconds(4e5), 1e-4);
  EXPECT_DOUBLE_EQ(*points.gradient_zeroing_seconds(2e6), 5e-4);
  Calibration none = host_points();
  none.gradient_zeroing.reset();
  EXPECT_FALSE(MeasuredPoints(none).gradient_zeroing_seconds(4e5));
  EXPECT_TRUE(MeasuredPoints(none).optimizer_seconds(1e6));  // the other pass is still there
}

// The host: no datasheet figures, so the shape models cannot be built; the points price everything.
GpuSpec two_thread_host() {
  GpuSpec host = host_device();
  host.sm_count = 2;
  return host;
}

TEST(MeasuredPoints, ASeriesOfPointsPricesTheHostWithoutItsDatasheet) {
  const Calibration calibration = host_points();
  const CalibratedConstants calibrated = fit_calibration(&calibration, two_thread_host());
  ASSERT_TRUE(calibrated.constants.points);
  EXPECT_TRUE(calibrated.fits.empty());  // nothing is fitted to points that price themselves
  const ShapedOpTimeModel model(two_thread_host(), calibrated.constants, 2);
  EXPECT_EQ(model.pricing(projection()), OpPricing::kMeasuredPoint);
  EXPECT_EQ(op_pricing_name(OpPricing::kMeasuredPoint), "measured point");
  EXPECT_EQ(model.seconds(projection()), 3e-4);
  EXPECT_EQ(model.seconds(norm(65536)), 2e-5);
  EXPECT_EQ(model.seconds(norm(0)), 0.0);  // an op that moves nothing runs nothing
  EXPECT_DOUBLE_EQ(model.optimizer_seconds(4e6), 4e-3);
  EXPECT_DOUBLE_EQ(model.gradient_zeroing_seconds(4e6), 1e-3);
  try {
    (void)model.seconds(projection(96));
    FAIL() << "an op without a point was priced";
  } catch (const ConfigError& e) {
    const std::string text = e.what();
    EXPECT_NE(text.find("host.yaml"), std::string::npos) << text;
    EXPECT_NE(text.find("attn.q_down"), std::string::npos) << text;
    EXPECT_NE(text.find("no point of its kernel shape"), std::string::npos) << text;
  }
}

TEST(MeasuredPoints, APassThePointsDidNotMeasureIsALocatedError) {
  Calibration calibration = host_points();
  calibration.gradient_zeroing.reset();
  const CalibratedConstants calibrated = fit_calibration(&calibration, two_thread_host());
  const ShapedOpTimeModel model(two_thread_host(), calibrated.constants, 2);
  EXPECT_DOUBLE_EQ(model.optimizer_seconds(1e6), 1e-3);
  try {
    (void)model.gradient_zeroing_seconds(1e6);
    FAIL() << "a pass without its measurement was priced";
  } catch (const ConfigError& e) {
    const std::string text = e.what();
    EXPECT_NE(text.find("host.yaml"), std::string::npos) << text;
    EXPECT_NE(text.find("gradient_zeroing"), std::string::npos) << text;
    EXPECT_NE(text.find("no gradient zeroing was measured"), std::string::npos) << text;
  }
}

TEST(HostDevice, IsThisMachinesCpuWithNoDatasheetFigures) {
  const GpuSpec host = host_device();
  EXPECT_EQ(host.key, "host");
  EXPECT_FALSE(host.name.empty());
  EXPECT_GE(host.sm_count, 1);             // its hardware threads
  EXPECT_GT(host.hbm_capacity_bytes, 0);   // its physical memory
  EXPECT_EQ(host.bf16_peak_flops_per_s, 0);  // unknown: nothing may be priced by a peak
  EXPECT_EQ(host.hbm_bandwidth_bytes_per_s, 0);
  EXPECT_EQ(host.power_w, 0);
  EXPECT_EQ(host.price_usd_per_s, 0);
}

}  // namespace
}  // namespace trainsim::hw
