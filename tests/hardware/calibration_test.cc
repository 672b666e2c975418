// Calibration files: a valid file reads into its fields, the shipped DeepGEMM seed holds the README's figures,
// every validation rule of the loader fails with its location and message, and the choice by GPU type.
#include "hardware/calibration.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "hardware/calibration_choice.h"
#include "hardware/gpu_catalog.h"

namespace trainsim::hw {
namespace {

// Line numbers matter to the tests. The GEMM point is DeepGEMM's published M=4096 N=2112 K=7168 at 1127 TFLOPS.
const char* kValid =
    "format: 1\n"                                                                                // 1
    "device:\n"                                                                                  // 2
    "  gpu: h800\n"                                                                              // 3
    "  name: NVIDIA H800 SXM5\n"                                                                 // 4
    "  sm_count: 132\n"                                                                          // 5
    "  boost_clock: 1.98 GHz\n"                                                                  // 6
    "  driver: unknown\n"                                                                        // 7
    "  cuda: \"12.8\"\n"                                                                         // 8
    "source:\n"                                                                                  // 9
    "  kind: published\n"                                                                        // 10
    "  description: DeepGEMM README\n"                                                           // 11
    "  date: 2025-04-09\n"                                                                       // 12
    "points:\n"                                                                                  // 13
    "  - op: gemm\n"                                                                             // 14
    "    dtype: fp8\n"                                                                           // 15
    "    shape: {m: 4096, n: 2112, k: 7168}\n"                                                   // 16
    "    time: 110.04 us\n"                                                                      // 17
    "    achieved: 1127 TFLOPS\n"                                                                // 18
    "  - op: attention\n"                                                                        // 19
    "    dtype: bf16\n"                                                                          // 20
    "    pass: Bi\n"                                                                             // 21
    "    shape: {batch: 1, heads: 128, seq_q: 4096, seq_kv: 4096, head_dim: 192, value_dim: 128}\n"  // 22
    "    time: 2.5 ms\n"                                                                         // 23
    "    sms: 112\n"                                                                             // 24
    "fits:\n"                                                                                    // 25
    "  fp8_gemm:\n"                                                                              // 26
    "    model: tile-wave\n"                                                                     // 27
    "    parameters: {launch_s: 4.0e-6, efficiency: 0.8}\n"                                      // 28
    "    residuals: {points: 1, rms_relative: 0.02, max_relative: 0.03}\n";                      // 29

std::string with(const std::string& from, const std::string& to) {
  std::string text = kValid;
  const size_t at = text.find(from);
  if (at == std::string::npos) throw std::logic_error("test text has no '" + from + "'");
  return text.replace(at, from.size(), to);
}

std::string error_of(const std::string& text) {
  try {
    parse_calibration(text, "c.yaml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

#define EXPECT_HAS(haystack, needle) EXPECT_NE((haystack).find(needle), std::string::npos) << (haystack)

TEST(Calibration, ReadsEveryField) {
  const Calibration c = parse_calibration(kValid, "c.yaml");
  EXPECT_EQ(c.file, "c.yaml");
  EXPECT_EQ(c.device.gpu, "h800");
  EXPECT_EQ(c.device.sm_count, 132);
  EXPECT_DOUBLE_EQ(c.device.boost_clock_hz, 1.98e9);
  EXPECT_EQ(c.device.cuda, "12.8");
  EXPECT_EQ(c.device.sm_count_at.line, 5);
  EXPECT_EQ(c.source.kind, CalibrationSourceKind::kPublished);
  EXPECT_EQ(c.source.date, "2025-04-09");
  ASSERT_EQ(c.points.size(), 2u);
  const MeasuredPoint& gemm = c.points[0];
  EXPECT_EQ(gemm.op, models::OpKind::kGemm);
  EXPECT_EQ(gemm.dtype, models::Dtype::kFp8);
  EXPECT_FALSE(gemm.pass.has_value());
  EXPECT_EQ(gemm.dim("m"), 4096);
  EXPECT_EQ(gemm.dim("k"), 7168);
  EXPECT_EQ(gemm.dim("groups", 1), 1);
  EXPECT_DOUBLE_EQ(gemm.seconds, 110.04e-6);
  EXPECT_DOUBLE_EQ(gemm.achieved_flops_per_s, 1127e12);
  EXPECT_EQ(gemm.sm_count, 132);  // the device's when the point does not say
  const MeasuredPoint& attention = c.points[1];
  EXPECT_EQ(attention.pass, models::Pass::kBackwardInput);
  EXPECT_DOUBLE_EQ(attention.seconds, 2.5e-3);
  EXPECT_EQ(attention.sm_count, 112);
  EXPECT_EQ(attention.shape.size(), 6u);
  ASSERT_EQ(c.fits.size(), 1u);
  EXPECT_EQ(c.fits[0].family, KernelFamily::kFp8Gemm);
  EXPECT_EQ(c.fits[0].parameters[0], (std::pair<std::string, double>{"launch_s", 4.0e-6}));
  EXPECT_DOUBLE_EQ(c.fits[0].max_relative_error, 0.03);
  EXPECT_FALSE(c.fits[0].held_out_rms_relative_error.has_value());
  EXPECT_EQ(c.points_by_op_kind(),
            (std::vector<std::pair<models::OpKind, int>>{{models::OpKind::kGemm, 1}, {models::OpKind::kAttention, 1}}));
}

// The seed file against the DeepGEMM README (2025-04-09, docs/sources.md#deepgemm), figures copied here by hand.
TEST(Calibration, ShippedH800SeedHoldsDeepGemmsPublishedFigures) {
  const Calibration c = load_calibration(std::string(TRAINSIM_SOURCE_DIR) + "/hardware/calibration/h800-published.yaml");
  EXPECT_EQ(c.source.kind, CalibrationSourceKind::kPublished);
  EXPECT_EQ(c.points_by_op_kind(), (std::vector<std::pair<models::OpKind, int>>{{models::OpKind::kGemm, 18},
                                                                                {models::OpKind::kGroupedGemm, 4}}));
  struct Published {
    long long groups, m, n, k;
    double tflops;
  };
  // M = 4096 rows of the dense table, and the contiguous grouped table.
  const Published published[] = {{1, 4096, 2112, 7168, 1127}, {1, 4096, 24576, 1536, 1212}, {1, 4096, 32768, 512, 775},
                                 {1, 4096, 7168, 16384, 1520}, {1, 4096, 4096, 7168, 1410}, {1, 4096, 7168, 2048, 1168},
                                 {4, 8192, 4096, 7168, 1346},  {4, 8192, 7168, 2048, 1214}, {8, 4096, 4096, 7168, 1346},
                                 {8, 4096, 7168, 2048, 1214}};
  for (const Published& row : published) {
    const auto it = std::find_if(c.points.begin(), c.points.end(), [&](const MeasuredPoint& p) {
      return p.dim("groups", 1) == row.groups && p.dim("m") == row.m && p.dim("n") == row.n && p.dim("k") == row.k;
    });
    ASSERT_NE(it, c.points.end()) << row.m << "x" << row.n << "x" << row.k;
    const double flops = 2.0 * static_cast<double>(row.groups * row.m * row.n * row.k);
    const double expected_s = flops / (row.tflops * 1e12);
    EXPECT_NEAR(it->seconds, expected_s, 5e-5 * expected_s);  // the file writes 5 significant digits
    EXPECT_EQ(it->dtype, models::Dtype::kFp8);
  }
  // A hand check of the first: 2 x 4096 x 2112 x 7168 = 124.02 GFLOP at 1127 TFLOP/s is 110.04 us.
  EXPECT_NEAR(c.points[12].seconds, 110.04e-6, 0.01e-6);
}

TEST(Calibration, UnknownKeysAreNamedWithTheNearest) {
  EXPECT_HAS(error_of(with("format: 1\n", "format: 1\nfit: {}\n")), "c.yaml:2:1: fit: unknown key 'fit'");
  EXPECT_HAS(error_of(with("format: 1\n", "format: 1\nfit: {}\n")), "did you mean 'fits'?");
  EXPECT_HAS(error_of(with("  sm_count: 132", "  sms: 132")), "c.yaml:5:3: device.sms: unknown key 'sms'");
  EXPECT_HAS(error_of(with("    sms: 112", "    sm: 112")), "c.yaml:24:5: points[1].sm: unknown key 'sm'");
}

TEST(Calibration, MissingFieldsNameTheirParent) {
  EXPECT_HAS(error_of(with("  sm_count: 132\n", "")), "c.yaml:3:3: device.sm_count: missing field");
  EXPECT_HAS(error_of(with("    time: 2.5 ms\n", "")), "c.yaml:19:5: points[1].time: missing field");
  EXPECT_HAS(error_of(with("format: 1\n", "")), "format: missing field");
  EXPECT_HAS(error_of(with("    model: tile-wave\n", "")), "fits.fp8_gemm.model: missing field");
}

TEST(Calibration, FormatVersionIsChecked) {
  EXPECT_HAS(error_of(with("format: 1", "format: 2")), "c.yaml:1:9: format: 2 is out of range");
}

TEST(Calibration, BadAndMissingUnits) {
  EXPECT_HAS(error_of(with("2.5 ms", "2.5 mss")), "c.yaml:23:11: points[1].time: unknown unit 'mss'");
  EXPECT_HAS(error_of(with("2.5 ms", "2.5")), "c.yaml:23:11: points[1].time:");
  EXPECT_HAS(error_of(with("2.5 ms", "2.5")), "expected a time such as \"2 us\"");
  EXPECT_HAS(error_of(with("1.98 GHz", "1.98")), "c.yaml:6:16: device.boost_clock:");
  EXPECT_HAS(error_of(with("1.98 GHz", "1.98 Ghz")), "unknown unit 'Ghz'");
  EXPECT_HAS(error_of(with("1127 TFLOPS", "1127 TB/s")), "c.yaml:18:15: points[0].achieved: unknown unit 'TB/s'");
  EXPECT_HAS(error_of(with("launch_s: 4.0e-6", "launch_s: 4 us")), "fits.fp8_gemm.parameters.launch_s: '4 us' is not a number");
}

TEST(Calibration, TimesMustBePositive) {
  EXPECT_HAS(error_of(with("2.5 ms", "-2.5 ms")), "c.yaml:23:11: points[1].time: is negative");
  EXPECT_HAS(error_of(with("2.5 ms", "0 ms")), "c.yaml:23:11: points[1].time: must be positive");
  EXPECT_HAS(error_of(with("1.98 GHz", "0 GHz")), "c.yaml:6:16: device.boost_clock: must be positive");
  EXPECT_HAS(error_of(with("rms_relative: 0.02", "rms_relative: -0.02")), "fits.fp8_gemm.residuals.rms_relative: is negative");
}

TEST(Calibration, UnknownOpKindDtypeAndPass) {
  const std::string op = error_of(with("  - op: gemm", "  - op: gemmm"));
  EXPECT_HAS(op, "c.yaml:14:9: points[0].op: 'gemmm' is not a known value");
  EXPECT_HAS(op, "did you mean 'gemm'?");
  EXPECT_HAS(error_of(with("    dtype: fp8", "    dtype: fp16")), "c.yaml:15:12: points[0].dtype: 'fp16' is not a known value");
  EXPECT_HAS(error_of(with("    pass: Bi", "    pass: B")), "c.yaml:21:11: points[1].pass: 'B' is not a known value");
  EXPECT_HAS(error_of(with("  fp8_gemm:\n", "  fp8_gemmm:\n")), "c.yaml:26:3: fits.fp8_gemmm: unknown key 'fp8_gemmm'");
}

TEST(Calibration, ShapesUseTheDocumentedNames) {
  EXPECT_HAS(error_of(with("{m: 4096, n: 2112", "{rows: 4096, n: 2112")), "points[0].shape.rows: unknown key 'rows'");
  EXPECT_HAS(error_of(with("{m: 4096, n: 2112, k: 7168}", "{}")), "c.yaml:16:12: points[0].shape: has no dimensions");
  EXPECT_HAS(error_of(with("m: 4096,", "m: 0,")), "points[0].shape.m: 0 is out of range");
  EXPECT_HAS(error_of(with("m: 4096,", "m: 4096.5,")), "points[0].shape.m: '4096.5' is not a whole number");
}

TEST(Calibration, DeviceAndSourceFields) {
  const std::string gpu = error_of(with("  gpu: h800", "  gpu: h8000"));
  EXPECT_HAS(gpu, "c.yaml:3:8: device.gpu: unknown GPU type 'h8000'");
  EXPECT_HAS(gpu, "did you mean 'h800'?");
  EXPECT_HAS(error_of(with("  kind: published", "  kind: paper")), "c.yaml:10:9: source.kind: 'paper' is not a known value");
  EXPECT_HAS(error_of(with("2025-04-09", "9 April 2025")), "c.yaml:12:9: source.date: '9 April 2025' is not a date");
  EXPECT_HAS(error_of(with("2025-04-09", "2025-13-09")), "is not a date");
}

TEST(Calibration, PointsAreANonEmptyList) {
  const std::string text = kValid;
  const std::string no_points = text.substr(0, text.find("points:")) + "points: []\n";
  EXPECT_HAS(error_of(no_points), "c.yaml:13:9: points: is empty (expected at least one measured point)");
  EXPECT_HAS(error_of(text.substr(0, text.find("points:")) + "points: {op: gemm}\n"), "points: is not a list");
}

TEST(Calibration, SmsCannotExceedTheDevice) {
  EXPECT_HAS(error_of(with("    sms: 112", "    sms: 133")), "c.yaml:24:10: points[1].sms: 133 is out of range");
}

TEST(Calibration, AchievedRateMustGiveBackTheTime) {
  // 2 x 4096 x 2112 x 7168 FLOP at 1127 TFLOP/s is 110.04 us; at 1000 TFLOP/s it would be 124.0 us.
  const std::string e = error_of(with("1127 TFLOPS", "1000 TFLOPS"));
  EXPECT_HAS(e, "c.yaml:17:11: points[0].time: 110 us does not match the achieved rate");
  EXPECT_HAS(e, "take 124 us");
  EXPECT_EQ(error_of(with("110.04 us", "110.0 us")), "no error");  // within the 0.1% the rounding needs
  EXPECT_HAS(error_of(with("    sms: 112", "    sms: 112\n    achieved: 500 TFLOPS")),
             "points[1].achieved: needs a GEMM point to check it against the time");
}

TEST(Calibration, UnreadableAndMalformedFiles) {
  try {
    load_calibration("/nonexistent/c.yaml");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "/nonexistent/c.yaml: cannot read the calibration file (expected a readable YAML file)");
  }
  EXPECT_EQ(error_of("points: [\n").rfind("c.yaml:", 0), 0u);
  EXPECT_HAS(error_of("- 1\n"), "c.yaml:1:1: is not a calibration");
}

// ---- Which calibration a GPU gets ----

TEST(CalibrationChoice, H800AndH100ShareTheirComputeCalibration) {
  EXPECT_EQ(compute_twins("h800"), std::vector<std::string>{"h100"});
  EXPECT_EQ(compute_twins("h100"), std::vector<std::string>{"h800"});
  EXPECT_TRUE(compute_twins("h200").empty());  // same SMs and clock, but HBM3e at 4.8 TB/s
  const auto h800 = shipped_calibration_for(find_gpu("h800"));
  ASSERT_NE(h800, nullptr);
  EXPECT_EQ(h800->file, "hardware/calibration/h800-published.yaml");
  EXPECT_EQ(shipped_calibration_for(find_gpu("h100")), h800);
}

TEST(CalibrationChoice, OtherGpusFallBackToTheRoofline) {
  EXPECT_EQ(shipped_calibration_for(find_gpu("h200")), nullptr);
  EXPECT_EQ(shipped_calibration_for(find_gpu("a100")), nullptr);
  GpuSpec cut = find_gpu("h800");
  cut.sm_count = 114;  // an H800 with fewer SMs than the file's is another GPU
  EXPECT_EQ(shipped_calibration_for(cut), nullptr);
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
  EXPECT_NO_THROW(check_calibration_fits(h800, find_gpu("h100"), at));
}

}  // namespace
}  // namespace trainsim::hw
