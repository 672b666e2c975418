// Fitting a calibration family by family: families without points stay on the roofline, points made from
// known constants give those constants back, group points (a trace's sums) fit like single ones, and a point
// whose shape the model cannot read is refused at its line.
#include "hardware/calibrated_constants.h"

#include <gtest/gtest.h>

#include "hardware/gpu_catalog.h"

namespace trainsim::hw {
namespace {

using models::Dtype;
using models::OpKind;

Calibration empty_h800() {
  Calibration c;
  c.file = "test.yaml";
  c.device.gpu = "h800";
  c.device.sm_count = 132;
  return c;
}

MeasuredPoint memory_point(double bytes, double seconds) {
  MeasuredPoint p;
  p.op = OpKind::kNorm;
  p.dtype = Dtype::kBf16;
  p.shape = {{"bytes", static_cast<long long>(bytes)}};
  p.seconds = seconds;
  p.sm_count = 132;
  return p;
}

TEST(CalibratedConstants, NoCalibrationLeavesEveryFamilyOnTheRoofline) {
  const CalibratedConstants c = fit_calibration(nullptr, find_gpu("h800"));
  for (int f = 0; f < kKernelFamilyCount; ++f) EXPECT_FALSE(c.is_fitted(static_cast<KernelFamily>(f)));
  EXPECT_TRUE(c.fits.empty());
}

TEST(CalibratedConstants, MemoryPointsFromKnownConstantsGiveThemBackAndNothingElse) {
  const GpuSpec h800 = find_gpu("h800");
  const MemoryTimeModel truth(h800, MemoryConstants{.hbm_time_factor = 2.0, .launch_s = 5e-6});
  Calibration c = empty_h800();
  for (double bytes : {1e6, 4e6, 1.6e7, 6.4e7, 2.56e8, 1e9})
    c.points.push_back(memory_point(bytes, truth.seconds(MemoryOpShape{bytes, 0, 1}, 132)));
  const CalibratedConstants fitted = fit_calibration(&c, h800);
  ASSERT_TRUE(fitted.is_fitted(KernelFamily::kMemoryBound));
  EXPECT_NEAR(fitted.constants.memory.hbm_time_factor, 2.0, 1e-9);
  EXPECT_NEAR(fitted.constants.memory.launch_s, 5e-6, 1e-15);
  for (KernelFamily other : {KernelFamily::kFp8Gemm, KernelFamily::kFp8WeightGemm, KernelFamily::kBf16Gemm,
                             KernelFamily::kAttentionForward, KernelFamily::kAttentionBackward})
    EXPECT_FALSE(fitted.is_fitted(other)) << kernel_family_name(other);
  ASSERT_EQ(fitted.fits.size(), 1u);
  EXPECT_EQ(fitted.fits[0].quality.points, 6u);
  EXPECT_LT(fitted.fits[0].quality.max_abs_relative_residual, 1e-9);
}

TEST(CalibratedConstants, GroupPointsOfCatalogOpsFitTheirFamily) {
  // Two memory-bound ops timed together per point, as a trace's block sums them.
  const GpuSpec h800 = find_gpu("h800");
  const MemoryTimeModel truth(h800, MemoryConstants{.hbm_time_factor = 3.0, .launch_s = 2e-6});
  Calibration c = empty_h800();
  for (double bytes : {1e6, 1e7, 1e8, 1e9}) {
    MeasuredPoint p;
    p.family = KernelFamily::kMemoryBound;
    p.pass = models::Pass::kForward;
    p.sm_count = 112;
    for (double member : {bytes, bytes / 3}) {
      p.members.push_back(GroupMember{OpKind::kElementwise, Dtype::kBf16, {{"bytes", static_cast<long long>(member)}}, "", false, {}});
      p.seconds += truth.seconds(MemoryOpShape{static_cast<double>(static_cast<long long>(member)), 0, 1}, 112);
    }
    c.points.push_back(p);
  }
  const CalibratedConstants fitted = fit_calibration(&c, h800);
  ASSERT_TRUE(fitted.is_fitted(KernelFamily::kMemoryBound));
  EXPECT_NEAR(fitted.constants.memory.hbm_time_factor, 3.0, 1e-9);
  EXPECT_NEAR(fitted.constants.memory.launch_s, 2e-6, 1e-15);
}

TEST(CalibratedConstants, AFamilyLeftOnTheRooflineIsPricedByIt) {
  const GpuSpec h800 = find_gpu("h800");
  std::array<bool, kKernelFamilyCount> none{};
  const ShapedOpTimeModel shaped(h800, ShapedConstants{}, 132, RooflineEfficiencies{}, none);
  const RooflineOpTimeModel roofline(h800, RooflineEfficiencies{});
  models::Op gemm{"g", OpKind::kGemm, Dtype::kFp8, models::Pass::kForward, models::OpRole::kAttention,
                  2.0 * 4096 * 2112 * 7168, 4096.0 * 7168 + 2112.0 * 7168 + 2.0 * 4096 * 2112};
  gemm.shape = models::GemmDims{1, 4096, 2112, 7168};
  EXPECT_EQ(shaped.pricing(gemm), OpPricing::kRoofline);
  EXPECT_DOUBLE_EQ(shaped.seconds(gemm), roofline.seconds(gemm));
}

TEST(CalibratedConstants, AGemmPointWithoutKIsRefusedAtItsLine) {
  Calibration c = empty_h800();
  MeasuredPoint p;
  p.op = OpKind::kGemm;
  p.dtype = Dtype::kFp8;
  p.shape = {{"m", 4096}, {"n", 2112}};
  p.seconds = 1e-4;
  p.sm_count = 132;
  p.at = SourceLocation{"test.yaml", 7, 5, "points[0]"};
  c.points.push_back(p);
  try {
    fit_calibration(&c, find_gpu("h800"));
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("test.yaml:7:5"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'k'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace trainsim::hw
