// Reading Kineto traces: a small trace written for the test (data/small_kineto_trace.json, made by hand: its
// events and their nesting are listed in the comments below) and malformed inputs named by file and JSON path.
#include "hardware/kineto_trace.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "tests/hardware/small_kineto_trace.h"

namespace trainsim::hw {
namespace {

const GpuKernel& by_correlation(const KinetoTrace& trace, long long id) {
  for (const GpuKernel& k : trace.kernels)
    if (k.correlation == id) return k;
  throw std::runtime_error("no kernel with that correlation");
}

TEST(KinetoTrace, ReadsDevicesAndGpuActivities) {
  const KinetoTrace trace = read_kineto_trace(kSmallKinetoTrace);
  EXPECT_EQ(trace.source, kSmallKinetoTrace);
  EXPECT_EQ(trace.trace_name, "small-test-trace");
  ASSERT_EQ(trace.devices.size(), 1u);
  EXPECT_EQ(trace.devices[0].name, "NVIDIA H800");
  EXPECT_EQ(trace.devices[0].sm_count, 132);
  EXPECT_EQ(trace.devices[0].compute_major, 9);
  ASSERT_TRUE(trace.devices[0].clock_hz.has_value());
  EXPECT_DOUBLE_EQ(*trace.devices[0].clock_hz, 1.755e9);  // clockRate 1755000 kHz
  // 11 kernels and one memset; CPU ops, launches, flow and metadata events are not GPU activities.
  ASSERT_EQ(trace.kernels.size(), 12u);
  const GpuKernel& flash = by_correlation(trace, 1);
  EXPECT_EQ(flash.category, "kernel");
  EXPECT_EQ(flash.stream, 7);
  EXPECT_EQ(flash.grid, (std::array<int, 3>{132, 1, 1}));
  EXPECT_EQ(flash.block, (std::array<int, 3>{128, 1, 1}));
  EXPECT_NEAR(flash.duration_s, 50e-6, 1e-12);
  // Times count from the earliest event (the ProfilerStep annotation at the epoch + 0 us): the kernel at +2000 us.
  EXPECT_NEAR(flash.start_s, 2000e-6, 1e-9);
  EXPECT_EQ(by_correlation(trace, 11).category, "gpu_memset");
  for (size_t i = 1; i < trace.kernels.size(); ++i) EXPECT_LE(trace.kernels[i - 1].start_s, trace.kernels[i].start_s);
}

TEST(KinetoTrace, LinksKernelsToTheCpuOpsAndAnnotationsThatLaunchedThem) {
  const KinetoTrace trace = read_kineto_trace(kSmallKinetoTrace);
  const GpuKernel& flash = by_correlation(trace, 1);  // launched at +20 us inside attn(F) > RopeLora...
  ASSERT_TRUE(flash.launch_found);
  EXPECT_EQ(flash.launch_thread, 100);
  EXPECT_NEAR(flash.launch_s, 20e-6, 1e-9);
  EXPECT_EQ(flash.cpu_ops, (std::vector<std::string>{"RopeLoraFlashAttnVarlenFunc"}));
  EXPECT_EQ(flash.annotations, (std::vector<std::string>{"ProfilerStep#1", "attn(F)"}));
  EXPECT_EQ(flash.input_dims, "[[4096,7168],[]]");
  EXPECT_TRUE(by_correlation(trace, 4).cpu_ops.empty());  // launched straight from mlp(F)
  // Autograd's thread 200 has no annotation of its own: it borrows the main thread's attn(B) around its launch.
  const GpuKernel& backward = by_correlation(trace, 7);
  EXPECT_EQ(backward.launch_thread, 200);
  EXPECT_EQ(backward.cpu_ops.size(), 1u);
  EXPECT_EQ(backward.annotations, (std::vector<std::string>{"ProfilerStep#1", "attn(B)"}));
  // No launch event has correlation 99.
  const GpuKernel& orphan = by_correlation(trace, 99);
  EXPECT_FALSE(orphan.launch_found);
  EXPECT_TRUE(orphan.annotations.empty());
}

std::string trace_error_of(std::string_view json) {
  try {
    parse_kineto_trace(json, "t.json");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(KinetoTrace, MalformedInputNamesTheFileAndTheJsonPath) {
  EXPECT_NE(trace_error_of("{\"traceEvents\": [\n  {]").find("t.json:2:"), std::string::npos) << trace_error_of("{\"traceEvents\": [\n  {]");
  EXPECT_NE(trace_error_of("[]").find("t.json: is not a JSON object"), std::string::npos);
  EXPECT_NE(trace_error_of("{}").find("t.json: traceEvents: is missing"), std::string::npos);
  EXPECT_NE(trace_error_of("{\"traceEvents\": {}}").find("traceEvents: is not an array"), std::string::npos);
  const std::string bad_dur =
      R"({"traceEvents": [{"ph": "M"}, {"ph": "X", "cat": "kernel", "name": "k", "ts": 1, "dur": "5"}]})";
  EXPECT_NE(trace_error_of(bad_dur).find("t.json: traceEvents[1].dur: is \"5\" (expected a number)"), std::string::npos)
      << trace_error_of(bad_dur);
  const std::string bad_grid =
      R"({"traceEvents": [{"ph": "X", "cat": "kernel", "name": "k", "ts": 1, "dur": 5, "args": {"grid": [1, 2]}}]})";
  EXPECT_NE(trace_error_of(bad_grid).find("traceEvents[0].args.grid: is [1,2] (expected [x, y, z])"), std::string::npos)
      << trace_error_of(bad_grid);
  const std::string no_name = R"({"traceEvents": [{"ph": "X", "cat": "cpu_op", "ts": 1, "dur": 5}]})";
  EXPECT_NE(trace_error_of(no_name).find("traceEvents[0].name: is missing"), std::string::npos) << trace_error_of(no_name);
  const std::string negative = R"({"traceEvents": [{"ph": "X", "cat": "kernel", "name": "k", "ts": 1, "dur": -1}]})";
  EXPECT_NE(trace_error_of(negative).find("traceEvents[0].dur: is -1"), std::string::npos) << trace_error_of(negative);
  const std::string device = R"({"traceEvents": [], "deviceProperties": [{"id": 0, "name": "H800"}]})";
  EXPECT_NE(trace_error_of(device).find("deviceProperties[0].numSms: is missing"), std::string::npos) << trace_error_of(device);
  EXPECT_THROW(read_kineto_trace("/nonexistent/trace.json"), Error);
}

}  // namespace
}  // namespace trainsim::hw
