// Calibration files: a valid file reads into its fields, the shipped DeepGEMM seed holds the README's figures,
// every validation rule of the loader fails with its location and message, and the writer's text reads back.
// Which calibration a GPU gets: calibration_choice_test.cc.
#include "hardware/calibration.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "hardware/gpu_catalog.h"
#include "tests/hardware/calibration_test_files.h"

namespace trainsim::hw {
namespace {

std::string with(const std::string& from, const std::string& to) {
  std::string text = kValid;
  const size_t at = text.find(from);
  if (at == std::string::npos) throw std::logic_error("test text has no '" + from + "'");
  return text.replace(at, from.size(), to);
}

std::string calibration_error_of(const std::string& text) {
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
  // An FP8 GEMM with no pass is read as forward's; attention in Bi runs the backward kernel.
  EXPECT_EQ(c.points_by_family(), (std::vector<std::pair<KernelFamily, int>>{{KernelFamily::kFp8Gemm, 1},
                                                                           {KernelFamily::kAttentionBackward, 1}}));
}

// The seed file against the DeepGEMM README (2025-04-09, docs/sources.md#deepgemm), figures copied here by hand.
TEST(Calibration, ShippedH800SeedHoldsDeepGemmsPublishedFigures) {
  const Calibration c = load_calibration(std::string(TRAINSIM_SOURCE_DIR) + "/hardware/calibration/h800-published.yaml");
  EXPECT_EQ(c.source.kind, CalibrationSourceKind::kPublished);
  // 18 dense and 4 grouped GEMMs, all FP8 forward ones.
  EXPECT_EQ(c.points_by_family(), (std::vector<std::pair<KernelFamily, int>>{{KernelFamily::kFp8Gemm, 22}}));
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
  EXPECT_HAS(calibration_error_of(with("format: 1\n", "format: 1\nfit: {}\n")), "c.yaml:2:1: fit: unknown key 'fit'");
  EXPECT_HAS(calibration_error_of(with("format: 1\n", "format: 1\nfit: {}\n")), "did you mean 'fits'?");
  EXPECT_HAS(calibration_error_of(with("  sm_count: 132", "  sms: 132")), "c.yaml:5:3: device.sms: unknown key 'sms'");
  EXPECT_HAS(calibration_error_of(with("    sms: 112", "    sm: 112")), "c.yaml:24:5: points[1].sm: unknown key 'sm'");
}

TEST(Calibration, MissingFieldsNameTheirParent) {
  EXPECT_HAS(calibration_error_of(with("  sm_count: 132\n", "")), "c.yaml:3:3: device.sm_count: missing field");
  EXPECT_HAS(calibration_error_of(with("    time: 2.5 ms\n", "")), "c.yaml:19:5: points[1].time: missing field");
  EXPECT_HAS(calibration_error_of(with("format: 1\n", "")), "format: missing field");
  EXPECT_HAS(calibration_error_of(with("    model: tile-wave\n", "")), "fits.fp8_gemm.model: missing field");
}

TEST(Calibration, FormatVersionIsChecked) {
  EXPECT_HAS(calibration_error_of(with("format: 1", "format: 2")), "c.yaml:1:9: format: 2 is out of range");
}

TEST(Calibration, BadAndMissingUnits) {
  EXPECT_HAS(calibration_error_of(with("2.5 ms", "2.5 mss")), "c.yaml:23:11: points[1].time: unknown unit 'mss'");
  EXPECT_HAS(calibration_error_of(with("2.5 ms", "2.5")), "c.yaml:23:11: points[1].time:");
  EXPECT_HAS(calibration_error_of(with("2.5 ms", "2.5")), "expected a time such as \"2 us\"");
  EXPECT_HAS(calibration_error_of(with("1.98 GHz", "1.98")), "c.yaml:6:16: device.boost_clock:");
  EXPECT_HAS(calibration_error_of(with("1.98 GHz", "1.98 Ghz")), "unknown unit 'Ghz'");
  EXPECT_HAS(calibration_error_of(with("1127 TFLOPS", "1127 TB/s")), "c.yaml:18:15: points[0].achieved: unknown unit 'TB/s'");
  EXPECT_HAS(calibration_error_of(with("launch_s: 4.0e-6", "launch_s: 4 us")), "fits.fp8_gemm.parameters.launch_s: '4 us' is not a number");
}

TEST(Calibration, TimesMustBePositive) {
  EXPECT_HAS(calibration_error_of(with("2.5 ms", "-2.5 ms")), "c.yaml:23:11: points[1].time: is negative");
  EXPECT_HAS(calibration_error_of(with("2.5 ms", "0 ms")), "c.yaml:23:11: points[1].time: must be positive");
  EXPECT_HAS(calibration_error_of(with("1.98 GHz", "0 GHz")), "c.yaml:6:16: device.boost_clock: must be positive");
  EXPECT_HAS(calibration_error_of(with("rms_relative: 0.02", "rms_relative: -0.02")), "fits.fp8_gemm.residuals.rms_relative: is negative");
}

TEST(Calibration, UnknownOpKindDtypeAndPass) {
  const std::string op = calibration_error_of(with("  - op: gemm", "  - op: gemmm"));
  EXPECT_HAS(op, "c.yaml:14:9: points[0].op: 'gemmm' is not a known value");
  EXPECT_HAS(op, "did you mean 'gemm'?");
  EXPECT_HAS(calibration_error_of(with("    dtype: fp8", "    dtype: fp16")), "c.yaml:15:12: points[0].dtype: 'fp16' is not a known value");
  EXPECT_HAS(calibration_error_of(with("    pass: Bi", "    pass: B")), "c.yaml:21:11: points[1].pass: 'B' is not a known value");
  EXPECT_HAS(calibration_error_of(with("  fp8_gemm:\n", "  fp8_gemmm:\n")), "c.yaml:26:3: fits.fp8_gemmm: unknown key 'fp8_gemmm'");
}

TEST(Calibration, ShapesUseTheDocumentedNames) {
  EXPECT_HAS(calibration_error_of(with("{m: 4096, n: 2112", "{rows: 4096, n: 2112")), "points[0].shape.rows: unknown key 'rows'");
  EXPECT_HAS(calibration_error_of(with("{m: 4096, n: 2112, k: 7168}", "{}")), "c.yaml:16:12: points[0].shape: has no dimensions");
  EXPECT_HAS(calibration_error_of(with("m: 4096,", "m: 0,")), "points[0].shape.m: 0 is out of range");
  EXPECT_HAS(calibration_error_of(with("m: 4096,", "m: 4096.5,")), "points[0].shape.m: '4096.5' is not a whole number");
}

TEST(Calibration, DeviceAndSourceFields) {
  const std::string gpu = calibration_error_of(with("  gpu: h800", "  gpu: h8000"));
  EXPECT_HAS(gpu, "c.yaml:3:8: device.gpu: unknown GPU type 'h8000'");
  EXPECT_HAS(gpu, "did you mean 'h800'?");
  EXPECT_HAS(calibration_error_of(with("  kind: published", "  kind: paper")), "c.yaml:10:9: source.kind: 'paper' is not a known value");
  EXPECT_HAS(calibration_error_of(with("2025-04-09", "9 April 2025")), "c.yaml:12:9: source.date: '9 April 2025' is not a date");
  EXPECT_HAS(calibration_error_of(with("2025-04-09", "2025-13-09")), "is not a date");
}

TEST(Calibration, PointsAreANonEmptyList) {
  const std::string text = kValid;
  const std::string no_points = text.substr(0, text.find("points:")) + "points: []\n";
  EXPECT_HAS(calibration_error_of(no_points), "c.yaml:13:9: points: is empty (expected at least one measured point)");
  EXPECT_HAS(calibration_error_of(text.substr(0, text.find("points:")) + "points: {op: gemm}\n"), "points: is not a list");
}

TEST(Calibration, SmsCannotExceedTheDevice) {
  EXPECT_HAS(calibration_error_of(with("    sms: 112", "    sms: 133")), "c.yaml:24:10: points[1].sms: 133 is out of range");
}

TEST(Calibration, AchievedRateMustGiveBackTheTime) {
  // 2 x 4096 x 2112 x 7168 FLOP at 1127 TFLOP/s is 110.04 us; at 1000 TFLOP/s it would be 124.0 us.
  const std::string e = calibration_error_of(with("1127 TFLOPS", "1000 TFLOPS"));
  EXPECT_HAS(e, "c.yaml:17:11: points[0].time: 110 us does not match the achieved rate");
  EXPECT_HAS(e, "take 124 us");
  EXPECT_EQ(calibration_error_of(with("110.04 us", "110.0 us")), "no error");  // within the 0.1% the rounding needs
  EXPECT_HAS(calibration_error_of(with("    sms: 112", "    sms: 112\n    achieved: 500 TFLOPS")),
             "points[1].achieved: needs a GEMM point to check it against the time");
}

TEST(Calibration, UnreadableAndMalformedFiles) {
  try {
    load_calibration("/nonexistent/c.yaml");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "/nonexistent/c.yaml: cannot read the calibration file (expected a readable YAML file)");
  }
  EXPECT_EQ(calibration_error_of("points: [\n").rfind("c.yaml:", 0), 0u);
  EXPECT_HAS(calibration_error_of("- 1\n"), "c.yaml:1:1: is not a calibration");
}

// ---- Group points ----

// A group point as `trainsim calibrate --from-trace` writes one; line numbers matter to the tests. The members
// are DeepSeek-V3's attn-block ops at EP64 TP1, sequence 4096 (models/op_catalog.cc).
const char* kGroup =
    "format: 1\n"                                                                                       // 1
    "device: {gpu: h800, name: NVIDIA H800, sm_count: 132, boost_clock: 1980 MHz, driver: unknown, cuda: unknown}\n"  // 2
    "source: {kind: trace, description: a trace, date: 2025-02-27}\n"                                   // 3
    "points:\n"                                                                                         // 4
    "  - family: fp8_gemm\n"                                                                            // 5
    "    pass: F\n"                                                                                     // 6
    "    group: layer 0 attn F\n"                                                                       // 7
    "    kernels: 5\n"                                                                                  // 8
    "    time: 1.646 ms\n"                                                                              // 9
    "    sms: 112\n"                                                                                    // 10
    "    members:\n"                                                                                    // 11
    "      - {op: gemm, dtype: fp8, shape: {m: 4096, n: 1536, k: 7168}, note: attn.q_down}\n"            // 12
    "      - {op: grouped_gemm, dtype: fp8, shape: {groups: 4, m: 8192, n: 4096, k: 7168}, note: e}\n"   // 13
    "  - family: attention_forward\n"                                                                   // 14
    "    pass: Bi\n"                                                                                    // 15
    "    group: layer 3 attn B+W\n"                                                                     // 16
    "    kernels: 1\n"                                                                                  // 17
    "    time: 1.2 ms\n"                                                                                // 18
    "    members:\n"                                                                                    // 19
    "      - {op: attention, dtype: bf16, recomputed: true, note: attn.core,\n"                         // 20
    "         shape: {batch: 1, heads: 128, seq_q: 4096, seq_kv: 4096, head_dim: 192, value_dim: 128}}\n"  // 21
    "  - family: memory_bound\n"                                                                        // 22
    "    pass: F\n"                                                                                     // 23
    "    group: layer 0 attn F\n"                                                                       // 24
    "    kernels: 3\n"                                                                                  // 25
    "    time: 40 us\n"                                                                                 // 26
    "    members:\n"                                                                                    // 27
    "      - {op: norm, dtype: bf16, shape: {bytes: 117440512}, note: attn.norm}\n";                    // 28

std::string group_with(const std::string& from, const std::string& to) {
  std::string text = kGroup;
  const size_t at = text.find(from);
  if (at == std::string::npos) throw std::logic_error("test text has no '" + from + "'");
  return text.replace(at, from.size(), to);
}

TEST(CalibrationGroups, ReadsGroupPoints) {
  const Calibration c = parse_calibration(kGroup, "g.yaml");
  ASSERT_EQ(c.points.size(), 3u);
  const MeasuredPoint& gemms = c.points[0];
  EXPECT_TRUE(gemms.is_group());
  EXPECT_EQ(gemms.family, KernelFamily::kFp8Gemm);
  EXPECT_EQ(gemms.pass, models::Pass::kForward);
  EXPECT_EQ(gemms.group, "layer 0 attn F");
  EXPECT_EQ(gemms.kernels, 5);
  EXPECT_DOUBLE_EQ(gemms.seconds, 1.646e-3);
  EXPECT_EQ(gemms.sm_count, 112);
  ASSERT_EQ(gemms.members.size(), 2u);
  EXPECT_EQ(gemms.members[1].op, models::OpKind::kGroupedGemm);
  EXPECT_EQ(gemms.members[1].dim("groups"), 4);
  EXPECT_EQ(gemms.members[0].note, "attn.q_down");
  EXPECT_EQ(gemms.members[0].at.line, 12);
  EXPECT_TRUE(c.points[1].members[0].recomputed);  // the forward kernel re-run in Bi
  EXPECT_EQ(c.points[1].kernel_family(), KernelFamily::kAttentionForward);
  EXPECT_EQ(c.points[2].sm_count, 132);  // the device's when the point does not say
  EXPECT_EQ(c.points_by_family(), (std::vector<std::pair<KernelFamily, int>>{{KernelFamily::kFp8Gemm, 1},
                                                                           {KernelFamily::kAttentionForward, 1},
                                                                           {KernelFamily::kMemoryBound, 1}}));
}

std::string group_error(const std::string& text) {
  try {
    parse_calibration(text, "g.yaml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(CalibrationGroups, AMemberOutsideTheGroupsFamilyIsNamed) {
  // A BF16 GEMM is a bf16_gemm kernel, not an FP8 one.
  EXPECT_HAS(group_error(group_with("{op: gemm, dtype: fp8", "{op: gemm, dtype: bf16")),
             "g.yaml:12:14: points[0].members[0].op: gemm in bf16 in pass F falls in bf16_gemm, not in the group's "
             "family fp8_gemm (g.yaml:5:13: points[0].family)");
  // Without `recomputed`, attention in Bi is the backward kernel.
  EXPECT_HAS(group_error(group_with("recomputed: true, ", "")), "falls in attention_backward, not in the group's family "
                                                               "attention_forward");
  // An FP8 GEMM in W is a weight-gradient kernel.
  EXPECT_HAS(group_error(group_with("    pass: F\n    group: layer 0 attn F\n    kernels: 5", "    pass: W\n    group: layer 0 attn F\n    kernels: 5")),
             "falls in fp8_weight_gemm");
  // Communication falls in no family.
  EXPECT_HAS(group_error(group_with("{op: norm, dtype: bf16", "{op: communication, dtype: bf16")),
             "falls in no kernel family");
}

TEST(CalibrationGroups, OpAndFamilyTogetherAreRefused) {
  EXPECT_HAS(group_error(group_with("  - family: fp8_gemm\n", "  - family: fp8_gemm\n    op: gemm\n")),
             "g.yaml:6:9: points[0].op: given with family (expected either op (a single kernel call) or family");
}

TEST(CalibrationGroups, AGroupNeedsMembersAndItsKeys) {
  EXPECT_HAS(group_error(group_with("    members:\n      - {op: norm, dtype: bf16, shape: {bytes: 117440512}, note: attn.norm}\n",
                                    "    members: []\n")),
             "g.yaml:27:14: points[2].members: is empty");
  EXPECT_HAS(group_error(group_with("    kernels: 3\n", "")), "g.yaml:22:5: points[2].kernels: missing field");
  EXPECT_HAS(group_error(group_with("    pass: F\n    group: layer 0 attn F\n    kernels: 3", "    group: layer 0 attn F\n    kernels: 3")),
             "points[2].pass: missing field");
  EXPECT_HAS(group_error(group_with("family: memory_bound", "family: memory")), "g.yaml:22:13: points[2].family: 'memory' is not a known value (expected one of fp8_gemm, fp8_weight_gemm");
  EXPECT_HAS(group_error(group_with("    kernels: 3\n", "    kernels: 0\n")), "points[2].kernels");
  EXPECT_HAS(group_error(group_with("    time: 40 us\n", "    time: 0 us\n")), "g.yaml:26:11: points[2].time: must be positive");
  EXPECT_HAS(group_error(group_with("    kernels: 3\n", "    kernels: 3\n    shape: {m: 1}\n")),
             "points[2].shape: unknown key 'shape'");
}

TEST(CalibrationGroups, MemberShapesGiveWhatTheirOpKindIsPricedBy) {
  EXPECT_HAS(group_error(group_with("{m: 4096, n: 1536, k: 7168}", "{m: 4096, n: 1536}")),
             "g.yaml:12:39: points[0].members[0].shape: has no 'k' (expected a gemm member's shape with m, n, k)");
  EXPECT_HAS(group_error(group_with("{groups: 4, m: 8192", "{m: 8192")), "has no 'groups'");
  EXPECT_HAS(group_error(group_with("shape: {bytes: 117440512}", "shape: {elements: 100}")),
             "points[2].members[0].shape: has no 'bytes'");
  EXPECT_HAS(group_error(group_with("seq_kv: 4096, ", "")), "has no 'seq_kv'");
  EXPECT_HAS(group_error(group_with("{bytes: 117440512}", "{bytes: 0}")), "points[2].members[0].shape.bytes");
  EXPECT_HAS(group_error(group_with("note: attn.norm}", "note: attn.norm, pass: F}")), "unknown key 'pass'");
}

// format_calibration's text reads back to the same values, single points, group points and fits alike, and a
// second writing gives the same bytes. Values chosen to be awkward: a time summed from microseconds, a
// parameter with 17 significant digits, text with a colon and quotes.
TEST(CalibrationWriter, ParseOfFormatGivesBackTheCalibration) {
  Calibration c = parse_calibration(kValid, "c.yaml");
  c.source.description = "DeepGEMM README: \"FP8\" GEMMs # measured";
  c.points[0].note = "attn.q_down: M=4096";
  const Calibration groups = parse_calibration(kGroup, "g.yaml");
  c.points.insert(c.points.end(), groups.points.begin(), groups.points.end());
  c.points.back().seconds = 12.3e-6 + 45.67e-6 + 0.001e-6;  // not a short decimal in any unit
  c.fits[0].parameters.emplace_back("bytes_per_s", 0.1 + 0.2);
  c.fits[0].held_out_rms_relative_error = 1.0 / 3.0;
  c.fits.push_back({KernelFamily::kMemoryBound, "roofline", {{"efficiency", 0.7}}, 4, 0.01, 0.02, std::nullopt});

  const std::string text = format_calibration(c, "trainsim calibrate --from-trace t.json --scenario s.yaml -o c.yaml");
  EXPECT_HAS(text, "# Made by: trainsim calibrate --from-trace t.json --scenario s.yaml -o c.yaml\n");
  const Calibration back = parse_calibration(text, "back.yaml");
  EXPECT_EQ(format_calibration(back, "trainsim calibrate --from-trace t.json --scenario s.yaml -o c.yaml"), text);

  EXPECT_EQ(back.device.gpu, c.device.gpu);
  EXPECT_EQ(back.device.name, c.device.name);
  EXPECT_EQ(back.device.sm_count, c.device.sm_count);
  EXPECT_EQ(back.device.boost_clock_hz, c.device.boost_clock_hz);
  EXPECT_EQ(back.device.driver, c.device.driver);
  EXPECT_EQ(back.device.cuda, c.device.cuda);
  EXPECT_EQ(back.source.kind, c.source.kind);
  EXPECT_EQ(back.source.description, c.source.description);
  EXPECT_EQ(back.source.url, c.source.url);
  EXPECT_EQ(back.source.date, c.source.date);
  ASSERT_EQ(back.points.size(), c.points.size());
  for (size_t i = 0; i < c.points.size(); ++i) {
    const MeasuredPoint &a = c.points[i], &b = back.points[i];
    SCOPED_TRACE(i);
    EXPECT_EQ(b.op, a.op);
    EXPECT_EQ(b.dtype, a.dtype);
    EXPECT_EQ(b.pass, a.pass);
    EXPECT_EQ(b.seconds, a.seconds);  // exactly: the writer's numbers round-trip
    EXPECT_EQ(b.achieved_flops_per_s, a.achieved_flops_per_s);
    EXPECT_EQ(b.sm_count, a.sm_count);
    EXPECT_EQ(b.note, a.note);
    EXPECT_EQ(b.family, a.family);
    EXPECT_EQ(b.kernels, a.kernels);
    EXPECT_EQ(b.group, a.group);
    ASSERT_EQ(b.shape.size(), a.shape.size());
    for (size_t d = 0; d < a.shape.size(); ++d) {
      EXPECT_EQ(b.shape[d].name, a.shape[d].name);
      EXPECT_EQ(b.shape[d].size, a.shape[d].size);
    }
    ASSERT_EQ(b.members.size(), a.members.size());
    for (size_t m = 0; m < a.members.size(); ++m) {
      EXPECT_EQ(b.members[m].op, a.members[m].op);
      EXPECT_EQ(b.members[m].dtype, a.members[m].dtype);
      EXPECT_EQ(b.members[m].note, a.members[m].note);
      EXPECT_EQ(b.members[m].recomputed, a.members[m].recomputed);
      ASSERT_EQ(b.members[m].shape.size(), a.members[m].shape.size());
      for (size_t d = 0; d < a.members[m].shape.size(); ++d) {
        EXPECT_EQ(b.members[m].shape[d].name, a.members[m].shape[d].name);
        EXPECT_EQ(b.members[m].shape[d].size, a.members[m].shape[d].size);
      }
    }
  }
  ASSERT_EQ(back.fits.size(), c.fits.size());
  for (size_t i = 0; i < c.fits.size(); ++i) {
    EXPECT_EQ(back.fits[i].family, c.fits[i].family);
    EXPECT_EQ(back.fits[i].model, c.fits[i].model);
    EXPECT_EQ(back.fits[i].parameters, c.fits[i].parameters);
    EXPECT_EQ(back.fits[i].points_fitted, c.fits[i].points_fitted);
    EXPECT_EQ(back.fits[i].rms_relative_error, c.fits[i].rms_relative_error);
    EXPECT_EQ(back.fits[i].max_relative_error, c.fits[i].max_relative_error);
    EXPECT_EQ(back.fits[i].held_out_rms_relative_error, c.fits[i].held_out_rms_relative_error);
  }
}

// A host calibration (trainsim validate --calibration-out): law points, each point's catalog op, the optimizer
// step, and the host's clock of 0 Hz where its kernel exposes none. Written and read back, it is the same, and a
// GPU's file may not claim 0 Hz. That it fits only the host: calibration_choice_test.cc.
TEST(CalibrationPoints, AHostCalibrationReadsBack) {
  const GpuSpec host = find_gpu("host");
  const Calibration c = host_points_calibration();
  const std::string text = format_calibration(c, "trainsim validate s.yaml --calibration-out host.yaml");
  EXPECT_HAS(text, "law: points");
  EXPECT_HAS(text, "catalog_op: \"attn.norm\"");
  const Calibration back = parse_calibration(text, "host.yaml");
  EXPECT_EQ(back.law, CalibrationLaw::kPoints);
  ASSERT_EQ(back.points.size(), 1u);
  EXPECT_EQ(back.points[0].catalog_op, "attn.norm");
  EXPECT_EQ(back.points[0].seconds, 1.625e-5);
  ASSERT_TRUE(back.optimizer);
  EXPECT_EQ(back.optimizer->bytes, 27303584);
  EXPECT_EQ(back.optimizer->seconds, 9.5e-3);
  ASSERT_TRUE(back.gradient_zeroing);
  EXPECT_EQ(back.gradient_zeroing->bytes, 4963944);
  EXPECT_EQ(back.gradient_zeroing->seconds, 1.1e-3);
  EXPECT_EQ(back.device.boost_clock_hz, host.boost_clock_hz);
  EXPECT_EQ(format_calibration(back, "trainsim validate s.yaml --calibration-out host.yaml"), text);

  EXPECT_HAS(calibration_error_of(with("boost_clock: 1.98 GHz", "boost_clock: 0 Hz")), "0 Hz only for the host");
  EXPECT_HAS(calibration_error_of(with("points:\n", "law: curves\npoints:\n")), "law");

  // A pass's time must be positive, and the error names the pass.
  std::string zero_time = text;
  const std::string measured = "gradient_zeroing: {bytes: 4963944, time: 1.1 ms}";
  ASSERT_NE(zero_time.find(measured), std::string::npos) << text;
  zero_time.replace(zero_time.find(measured), measured.size(), "gradient_zeroing: {bytes: 4963944, time: 0 s}");
  const std::string error = calibration_error_of(zero_time);
  EXPECT_HAS(error, "gradient_zeroing.time");
  EXPECT_HAS(error, "the gradient buffer's zeroing time");
}

}  // namespace
}  // namespace trainsim::hw

