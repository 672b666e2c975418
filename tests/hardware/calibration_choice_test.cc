// Which calibration a GPU gets (hardware/calibration_choice.h): the shipped file of its type or its compute twin,
// the roofline where none fits, and a scenario's file refused, with where it disagrees, on another GPU; a host's
// file fits only the host that measured it.
#include "hardware/calibration_choice.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "hardware/gpu_catalog.h"
#include "tests/hardware/calibration_test_files.h"

namespace trainsim::hw {
namespace {

#define EXPECT_HAS(haystack, needle) EXPECT_NE((haystack).find(needle), std::string::npos) << (haystack)

TEST(CalibrationChoice, H800AndH100ShareTheirComputeCalibration) {
  EXPECT_EQ(compute_twins("h800"), std::vector<std::string>{"h100"});
  EXPECT_EQ(compute_twins("h100"), std::vector<std::string>{"h800"});
  EXPECT_TRUE(compute_twins("h200").empty());  // same SMs and clock, but HBM3e at 4.8 TB/s
  const auto h800 = shipped_calibration_for(find_gpu("h800"));
  ASSERT_NE(h800, nullptr);
  // A trace of training's own kernels beats the published table for the same GPU type (FORMAT.md).
  EXPECT_EQ(h800->file, "hardware/calibration/h800-trace.yaml");
  EXPECT_EQ(h800->source.kind, CalibrationSourceKind::kTrace);
  EXPECT_EQ(shipped_calibration_for(find_gpu("h100")), h800);
}

TEST(CalibrationChoice, OtherGpusFallBackToTheRoofline) {
  EXPECT_EQ(shipped_calibration_for(find_gpu("h200")), nullptr);
  EXPECT_EQ(shipped_calibration_for(find_gpu("b200")), nullptr);
  GpuSpec cut = find_gpu("h800");
  cut.sm_count = 114;  // an H800 with fewer SMs than the file's is another GPU
  EXPECT_EQ(shipped_calibration_for(cut), nullptr);
}

TEST(CalibrationChoice, TheA100TakesItsPublishedGemmRates) {
  const auto a100 = shipped_calibration_for(find_gpu("a100"));
  ASSERT_NE(a100, nullptr);
  EXPECT_EQ(a100->file, "hardware/calibration/a100-published.yaml");
  ASSERT_EQ(a100->points.size(), 2u);
  // The MAMF table's A100 SXM row: 267.9 TFLOPS at 6912 x 16384 x 2048, 2 M N K / 267.9e12 = 1.7315 ms.
  EXPECT_NEAR(a100->points[0].seconds, 2.0 * 6912 * 16384 * 2048 / 267.9e12, 1e-4 * a100->points[0].seconds);
  // He (2024): cuBLAS at 8192^3 on randn inputs, 257 TFLOPS: 2 x 8192^3 / 257e12 = 4.2783 ms.
  EXPECT_NEAR(a100->points[1].seconds, 2.0 * 8192 * 8192 * 8192 / 257e12, 1e-4 * a100->points[1].seconds);
}

TEST(CalibrationChoice, EveryShippedFileLoadsAndMatchesItsCatalogGpu) {
  ASSERT_FALSE(shipped_calibrations().empty());
  for (const auto& c : shipped_calibrations()) EXPECT_TRUE(calibration_fits(*c, find_gpu(c->device.gpu))) << c->file;
}

TEST(CalibrationChoice, AFileForAnotherGpuIsRefused) {
  const SourceLocation at{"s.yaml", 20, 16, "cluster.calibration"};
  const Calibration h800 = parse_calibration(kValid, "c.yaml");
  try {
    check_calibration_fits(h800, find_gpu("a100"), at);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_HAS(std::string(e.what()), "s.yaml:20:16: cluster.calibration: c.yaml:5:13: device.sm_count: 132 SMs: "
                                      "measured on another GPU than the scenario's a100 (108 SMs)");
  }
  GpuSpec slow = find_gpu("h800");
  slow.boost_clock_hz = 1.755e9;
  try {
    check_calibration_fits(h800, slow, at);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_HAS(std::string(e.what()), "c.yaml:6:16: device.boost_clock: 1.98 GHz: measured on another GPU than the "
                                      "scenario's h800 (boost clock 1.755 GHz)");
  }
  try {
    check_calibration_fits(h800, find_gpu("b200"), at);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_HAS(std::string(e.what()), "the catalog gives no boost clock for it");
  }
  EXPECT_NO_THROW(check_calibration_fits(h800, find_gpu("h100"), at));  // compute twins (calibration_choice.cc)
  // H200: H800's 132 SMs and 1.98 GHz, but HBM3e at 4.8 TB/s (hardware/gpu_catalog.yaml): not a twin either way.
  ASSERT_EQ(find_gpu("h200").sm_count, 132);
  try {
    check_calibration_fits(h800, find_gpu("h200"), at);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_HAS(std::string(e.what()), "c.yaml:3:8: device.gpu: h800: measured on another GPU than the scenario's h200 (same SMs "
                                      "and clock, other memory or compute)");
  }
}

TEST(CalibrationChoice, AHostCalibrationFitsOnlyTheHostThatMeasuredIt) {
  const Calibration c = host_points_calibration();
  const GpuSpec host = find_gpu("host");
  EXPECT_NO_THROW(check_calibration_fits(c, host, {}));
  try {
    check_calibration_fits(c, find_gpu("h800"), {});
    ADD_FAILURE() << "a host calibration fitted an H800";
  } catch (const ConfigError& e) {
    EXPECT_HAS(std::string(e.what()), "measured on host");
  }
  GpuSpec other_machine = host;
  other_machine.sm_count = host.sm_count + 1;
  EXPECT_THROW(check_calibration_fits(c, other_machine, {}), ConfigError);
}

}  // namespace
}  // namespace trainsim::hw
