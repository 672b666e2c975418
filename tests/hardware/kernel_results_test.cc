// Reading the GPU harness's results against a plan: synthetic times made from known memory-bound constants give
// those constants back through the calibration and its fit; every malformed entry is refused at its JSON path.
#include "hardware/kernel_results.h"

#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <tuple>

#include "hardware/calibrated_constants.h"
#include "hardware/gpu_catalog.h"

namespace trainsim::hw {
namespace {

using nlohmann::json;

// Two memory-bound ops: with the sweep (bytes x 1/4, x 4) and two SM counts, 12 calls, memory_bound.000 to 011.
std::vector<KernelCall> plan() {
  models::LayerOps l;
  for (auto [name, kind, bytes] : {std::tuple{"norm", models::OpKind::kNorm, 1e6},
                                   std::tuple{"swiglu", models::OpKind::kElementwise, 1e8}}) {
    models::Op o{name, kind, models::Dtype::kBf16, models::Pass::kForward, models::OpRole::kMlp, 0, bytes};
    l.ops.push_back(o);
  }
  const std::vector<models::LayerOps> layers{l};
  const std::vector<int> sms{132, 112};
  return calibration_sweep(layers, sms);
}

// The time the GPU would show under 80% of the H800's 3.35 TB/s (factor 1.25) and 5 us per launch.
constexpr double kFactor = 1.25, kLaunchS = 5e-6, kH800BytesPerS = 3.35e12;
double made_up_seconds(long long bytes) { return kLaunchS + kFactor * static_cast<double>(bytes) / kH800BytesPerS; }

json results() {
  json calls = json::array();
  for (const KernelCall& c : plan()) calls.push_back({{"id", c.id}, {"seconds", made_up_seconds(c.dim("bytes"))}, {"sms", c.sms}});
  return {{"format", 1},
          {"device",
           {{"name", "NVIDIA H800"}, {"sm_count", 132}, {"boost_clock_hz", 1.98e9}, {"driver", "570.1"}, {"cuda", "13.0"}}},
          {"date", "2026-01-02"},
          {"calls", calls}};
}

KernelResults parse(const json& j) {
  const std::vector<KernelCall> p = plan();
  return parse_kernel_results(j.dump(), "r.json", p);
}

TEST(KernelResults, MadeUpTimesGiveTheirConstantsBack) {
  const GpuSpec h800 = find_gpu("h800");
  ASSERT_EQ(h800.hbm_bandwidth_bytes_per_s, kH800BytesPerS);
  const KernelResults r = parse(results());
  ASSERT_EQ(r.calls.size(), 12u);
  EXPECT_EQ(r.device.name, "NVIDIA H800");
  const Calibration c = calibration_from_kernel_results(r, h800, "s.yaml");
  EXPECT_EQ(c.source.kind, CalibrationSourceKind::kKernels);
  EXPECT_EQ(c.source.date, "2026-01-02");
  EXPECT_EQ(c.device.gpu, "h800");
  ASSERT_EQ(c.points.size(), 12u);
  EXPECT_FALSE(c.points[0].is_group());
  EXPECT_EQ(c.points[0].note, "memory_bound.000: norm");
  EXPECT_EQ(c.points[2].note, "memory_bound.002: bytes x 1/4");
  EXPECT_EQ(c.points[2].dim("bytes"), 250000);
  EXPECT_EQ(c.points[1].sm_count, 112);
  // Exact times of a model the fit can represent: its least squares recover the constants to rounding.
  const CalibratedConstants fitted = fit_calibration(&c, h800);
  ASSERT_TRUE(fitted.is_fitted(KernelFamily::kMemoryBound));
  EXPECT_NEAR(fitted.constants.memory.hbm_time_factor, kFactor, 1e-9);
  EXPECT_NEAR(fitted.constants.memory.launch_s, kLaunchS, 1e-15);
  const std::vector<FittedModel> fits = fitted_models(fitted);
  ASSERT_EQ(fits.size(), 1u);
  EXPECT_EQ(fits[0].points_fitted, 12);
  EXPECT_LT(fits[0].max_relative_error, 1e-9);
  // The file written of it reads back with the same points.
  Calibration with_fits = c;
  with_fits.fits = fits;
  const Calibration back = parse_calibration(format_calibration(with_fits, "test"), "back.yaml");
  EXPECT_EQ(back.points.size(), 12u);
  EXPECT_EQ(back.source.kind, CalibrationSourceKind::kKernels);
  ASSERT_EQ(back.fits.size(), 1u);
}

TEST(KernelResults, ACallMayGiveItsShapeInsteadOfItsId) {
  json j = results();
  j["calls"][0] = {{"op", "norm"}, {"dtype", "bf16"}, {"shape", {{"bytes", 1000000}}}, {"sms", 132}, {"seconds", 1e-5}};
  const KernelResults r = parse(j);
  EXPECT_EQ(r.calls[0].call.id, "memory_bound.000");
  j["calls"][0]["shape"]["bytes"] = 999;
  try {
    parse(j);
    FAIL() << "a shape outside the plan was read";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("r.json: calls[0]: norm bf16 F {\"bytes\":999} on 132 SMs is no call"),
              std::string::npos)
        << e.what();
  }
}

TEST(KernelResults, APointsNoteNamesTheKernelThatRanIt) {
  json j = results();
  j["calls"][0]["kernel"] = "cuBLASLt FP8 block-scaled";  // a planning sweep's faster peer
  const KernelResults r = parse(j);
  EXPECT_EQ(r.calls[0].kernel, "cuBLASLt FP8 block-scaled");
  EXPECT_EQ(r.calls[1].kernel, "");  // not given: older results, and the host's
  const Calibration c = calibration_from_kernel_results(r, find_gpu("h800"), "s.yaml");
  EXPECT_EQ(c.points[0].note, "memory_bound.000 (cuBLASLt FP8 block-scaled): norm");
  EXPECT_EQ(c.points[1].note.rfind("memory_bound.001: ", 0), 0u) << c.points[1].note;
  j["calls"][0]["kernel"] = "";
  EXPECT_THROW(parse(j), ConfigError);  // named, it is a name
}

// A BF16 grouped GEMM of 4 groups of 32 rows (its sweep: rows x 1/4, 1/2, 2; N and K x 1/2, 2), on 132 SMs.
std::vector<KernelCall> grouped_plan() {
  models::Op o{"moe.experts.gate_up", models::OpKind::kGroupedGemm, models::Dtype::kBf16, models::Pass::kForward,
               models::OpRole::kMlp, 0, 0};
  o.shape = models::GemmDims{4, 32, 256, 128};
  models::LayerOps l;
  l.ops.push_back(o);
  const std::vector<models::LayerOps> layers{l};
  const std::vector<int> sms{132};
  return calibration_sweep(layers, sms);
}

// A call that made one GEMM call per group (cuBLASLt BF16 for the reduced model's experts) becomes a group point of
// its groups' dense GEMMs, so that the fit prices a launch per group, as the catalog prices an expert's calls.
TEST(KernelResults, ACallThatRanAGemmPerGroupIsAGroupPointOfItsGroups) {
  const std::vector<KernelCall> p = grouped_plan();
  ASSERT_FALSE(p.empty());
  ASSERT_EQ(p[0].dim("groups"), 4);
  json j = results();
  j["calls"] = json::array();
  j["calls"].push_back({{"id", p[0].id}, {"seconds", 20e-6}, {"sms", 132}, {"kernel", "cublaslt-bf16 x 4 groups"},
                        {"kernel_calls", 4}});
  // Results written before the field say it in the kernel's name alone (the 2026-12-04 H200 runs).
  j["calls"].push_back({{"id", p[1].id}, {"seconds", 20e-6}, {"sms", 132}, {"kernel", "cublaslt-bf16 x 4 groups"}});
  const KernelResults r = parse_kernel_results(j.dump(), "r.json", p);
  ASSERT_EQ(r.calls.size(), 2u);
  const Calibration c = calibration_from_kernel_results(r, find_gpu("h800"), "s.yaml");
  for (const MeasuredPoint& point : c.points) {
    ASSERT_TRUE(point.is_group());
    EXPECT_EQ(point.kernels, 4);
    EXPECT_EQ(point.kernel_family(), KernelFamily::kBf16Gemm);
    ASSERT_EQ(point.members.size(), 4u);
    EXPECT_EQ(point.members[0].op, models::OpKind::kGemm);
    EXPECT_EQ(point.members[0].dim("groups", 0), 0);  // each member one group's dense GEMM
    EXPECT_EQ(point.members[0].dim("n"), 256);
    EXPECT_EQ(point.seconds, 20e-6);
  }
  EXPECT_EQ(c.points[0].members[0].dim("m"), 32);
  // Written and read back, it is the same group point.
  const Calibration back = parse_calibration(format_calibration(c, "test"), "back.yaml");
  ASSERT_EQ(back.points.size(), 2u);
  EXPECT_EQ(back.points[0].members.size(), 4u);
  // One GEMM call per group is the groups' count, on a grouped GEMM only; one call is every call's default.
  j["calls"][0]["kernel_calls"] = 3;
  EXPECT_THROW(parse_kernel_results(j.dump(), "r.json", p), ConfigError);
  j["calls"][0]["kernel_calls"] = 1;
  EXPECT_FALSE(calibration_from_kernel_results(parse_kernel_results(j.dump(), "r.json", p), find_gpu("h800"), "s.yaml")
                   .points[0]
                   .is_group());
  json dense = results();
  dense["calls"][0]["kernel_calls"] = 2;  // a memory-bound op
  try {
    parse(dense);
    FAIL() << "two kernel calls on a memory-bound op were read";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("r.json: calls[0].kernel_calls: is 2 on memory_bound.000 (0 groups)"),
              std::string::npos)
        << e.what();
  }
}

// Each rule: what is changed, and the start of the message it must give.
struct Bad {
  std::string what;
  std::function<void(json&)> change;
  std::string message;
};

TEST(KernelResults, MalformedResultsAreRefusedAtTheirPath) {
  const std::vector<Bad> cases{
      {"not JSON", [](json& j) { j = "x"; }, "r.json: is not a JSON object"},
      {"format", [](json& j) { j["format"] = 2; }, "r.json: format: is 2"},
      {"no device", [](json& j) { j.erase("device"); }, "r.json: device: is missing"},
      {"sm count", [](json& j) { j["device"]["sm_count"] = 0; }, "r.json: device.sm_count: is 0"},
      {"clock", [](json& j) { j["device"]["boost_clock_hz"] = -1; }, "r.json: device.boost_clock_hz: is -1"},
      {"driver", [](json& j) { j["device"]["driver"] = ""; }, "r.json: device.driver: is \"\""},
      {"date", [](json& j) { j["date"] = "2 Jan 2026"; }, "r.json: date: is '2 Jan 2026'"},
      {"no calls", [](json& j) { j["calls"] = json::array(); }, "r.json: calls: is empty"},
      {"unknown id", [](json& j) { j["calls"][3]["id"] = "fp8_gemm.000"; },
       "r.json: calls[3].id: 'fp8_gemm.000' is no call of the scenario's plan"},
      {"no seconds", [](json& j) { j["calls"][1].erase("seconds"); }, "r.json: calls[1].seconds: is missing"},
      {"zero seconds", [](json& j) { j["calls"][1]["seconds"] = 0; }, "r.json: calls[1].seconds: is 0"},
      {"text seconds", [](json& j) { j["calls"][1]["seconds"] = "12 us"; }, "r.json: calls[1].seconds: is \"12 us\""},
      {"too many sms", [](json& j) { j["calls"][2]["sms"] = 133; }, "r.json: calls[2].sms: is 133 (expected a whole number, 1 to 132)"},
      {"twice", [](json& j) { j["calls"][2]["id"] = "memory_bound.000"; }, "r.json: calls[2]: measures memory_bound.000 a second time"},
      {"call not object", [](json& j) { j["calls"][0] = 1; }, "r.json: calls[0]: is 1"},
  };
  for (const Bad& bad : cases) {
    json j = results();
    bad.change(j);
    try {
      parse(j);
      ADD_FAILURE() << bad.what << ": accepted";
    } catch (const ConfigError& e) {
      EXPECT_EQ(std::string(e.what()).rfind(bad.message, 0), 0u) << bad.what << ": " << e.what();
      EXPECT_NE(std::string(e.what()).find("kernels/CALIBRATION.md"), std::string::npos) << e.what();
    }
  }
}

TEST(KernelResults, TheDeviceMustBeTheScenariosGpu) {
  const GpuSpec h800 = find_gpu("h800");
  json j = results();
  j["device"]["name"] = "NVIDIA H20";
  try {
    calibration_from_kernel_results(parse(j), h800, "s.yaml");
    FAIL() << "an unknown GPU was read";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("r.json: device.name: device 'NVIDIA H20' with 132 SMs is no GPU", 0), 0u)
        << e.what();
  }
  j = results();
  j["device"]["boost_clock_hz"] = 1.755e9;  // an H800 PCIe's clock
  try {
    calibration_from_kernel_results(parse(j), h800, "s.yaml");
    FAIL() << "another clock was read";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("r.json: device.boost_clock_hz"), std::string::npos) << e.what();
  }
  // An H100 SXM5 measures the H800's compute (same SMs and clock): its calibration serves an H800 scenario.
  j = results();
  j["device"]["name"] = "NVIDIA H100 80GB HBM3";
  EXPECT_EQ(calibration_from_kernel_results(parse(j), h800, "s.yaml").device.gpu, "h100");
}

}  // namespace
}  // namespace trainsim::hw
