// Every number a scenario reads has its range (docs/scenario-ranges.md): each field's value just inside is
// accepted, just outside is an error at its own line naming the range. The cases users reported come first.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "sim/scenario/scenario_loader.h"
#include "tests/sim/scenario/scenario_test_text.h"

namespace trainsim::sim {
namespace {

using testing::error_of;
using testing::kValidScenario;
using testing::with;

std::string with_cluster_line(const std::string& line) { return std::string(kValidScenario) + "  " + line + "\n"; }

TEST(ScenarioRanges, TheReportedNonsenseIsALocatedError) {
  // 1e300 x 1e12 overflows a double: it once printed "steps inf".
  EXPECT_EQ(error_of(with("  tokens: 1B", "  tokens: 1e300T")),
            "s.yaml:7:11: training.tokens: '1e300T' is too large a number (expected a count from 1 to 10000T)");
  EXPECT_EQ(error_of(with("400 Gb/s", "1e-300 GB/s")),
            "s.yaml:17:18: cluster.nic_bandwidth: '1e-300 GB/s' is out of range (expected a bandwidth from 1 MB/s to "
            "1 PB/s); hint: why this range: below any datacenter link; over 100x the fastest HBM today (B200, 8 TB/s)");
  EXPECT_EQ(error_of(with_cluster_line("nvlink_latency: 1e300 d")),
            "s.yaml:18:19: cluster.nvlink_latency: '1e300 d' is out of range (expected a time from 0 s to 1 s); hint: "
            "why this range: 0 is an ideal link; real hops take microseconds, a second is no interconnect");
}

struct FieldCase {
  std::string scenario;  // kValidScenario with one value changed
  std::string where;     // "s.yaml:line:col: key.path"
  std::string expected;  // the range as the message names it
};

// One value just inside and one just outside per field; the ends are docs/scenario-ranges.md's.
TEST(ScenarioRanges, EachFieldAcceptsItsEndsAndRejectsJustBeyond) {
  const std::string gpu = "  gpu: {type: h800, hbm_capacity: 1 TiB}";
  auto gpu_field = [&](const std::string& field) { return with(gpu, "  gpu: {type: h800, hbm_capacity: 1 TiB, " + field + "}"); };
  const std::string bandwidth = "a bandwidth from 1 MB/s to 1 PB/s", latency = "a time from 0 s to 1 s";
  const std::string peak = "a compute rate from 1 GFLOP/s to 1000 PFLOP/s";
  const std::vector<std::pair<std::string, FieldCase>> cases{
      {with("  tokens: 1B", "  tokens: 10000T"), {with("  tokens: 1B", "  tokens: 10000.001T"), "s.yaml:7:11: training.tokens", "a count from 1 to 10000T"}},
      {with("400 Gb/s", "1 MB/s"), {with("400 Gb/s", "0.999 MB/s"), "s.yaml:17:18: cluster.nic_bandwidth", bandwidth}},
      {with("400 Gb/s", "1 PB/s"), {with("400 Gb/s", "1.001 PB/s"), "s.yaml:17:18: cluster.nic_bandwidth", bandwidth}},
      {with_cluster_line("nvlink_bandwidth: 1 MB/s"), {with_cluster_line("nvlink_bandwidth: 0 GB/s"), "s.yaml:18:21: cluster.nvlink_bandwidth", bandwidth}},
      {with_cluster_line("nvlink_latency: 1 s"), {with_cluster_line("nvlink_latency: 1.001 s"), "s.yaml:18:19: cluster.nvlink_latency", latency}},
      {with_cluster_line("nic_latency: 0 s"), {with_cluster_line("nic_latency: -1 ns"), "s.yaml:18:16: cluster.nic_latency", latency}},
      {with_cluster_line("price_per_gpu_hour: $1000/h"), {with_cluster_line("price_per_gpu_hour: $1000.01/h"), "s.yaml:18:23: cluster.price_per_gpu_hour", "a price per hour from $0/h to $1000/h"}},
      {gpu_field("bf16_peak: 1 GFLOP/s"), {gpu_field("bf16_peak: 0.999 GFLOP/s"), "s.yaml:15:53: cluster.gpu.bf16_peak", peak}},
      {gpu_field("fp8_peak: 0 TFLOP/s"), {gpu_field("fp8_peak: 1001 PFLOP/s"), "s.yaml:15:52: cluster.gpu.fp8_peak", peak + ", or 0"}},
      {gpu_field("tf32_peak: 1000 PFLOP/s"), {gpu_field("tf32_peak: 0 TFLOP/s"), "s.yaml:15:53: cluster.gpu.tf32_peak", peak}},
      {gpu_field("fp32_peak: 1 GFLOP/s"), {gpu_field("fp32_peak: 1e-300 TFLOP/s"), "s.yaml:15:53: cluster.gpu.fp32_peak", peak}},
      {gpu_field("hbm_bandwidth: 1 PB/s"), {gpu_field("hbm_bandwidth: 1.001 PB/s"), "s.yaml:15:57: cluster.gpu.hbm_bandwidth", bandwidth}},
      {with("hbm_capacity: 1 TiB", "hbm_capacity: 1 PB"), {with("hbm_capacity: 1 TiB", "hbm_capacity: 1.001 PB"), "s.yaml:15:35: cluster.gpu.hbm_capacity", "a size from 1 MB to 1 PB"}},
      {gpu_field("boost_clock: 100 GHz"), {gpu_field("boost_clock: 0.5 MHz"), "s.yaml:15:55: cluster.gpu.boost_clock", "a clock rate from 1 MHz to 100 GHz, or 0"}},
      {gpu_field("power: 100 kW"), {gpu_field("power: 0 W"), "s.yaml:15:49: cluster.gpu.power", "a power from 1 W to 100 kW"}},
      {gpu_field("nic_bandwidth: 1 MB/s"), {gpu_field("nic_bandwidth: 1 b/s"), "s.yaml:15:57: cluster.gpu.nic_bandwidth", bandwidth}},
      {gpu_field("price_per_gpu_hour: $0/h"), {gpu_field("price_per_gpu_hour: $-1/h"), "s.yaml:15:62: cluster.gpu.price_per_gpu_hour", "a price per hour from $0/h to $1000/h"}},
  };
  for (const auto& [inside, outside] : cases) {
    EXPECT_EQ(error_of(inside), "no error") << inside;
    const std::string message = error_of(outside.scenario);
    EXPECT_EQ(message.rfind(outside.where + ": '", 0), 0u) << message;
    EXPECT_NE(message.find("is out of range (expected " + outside.expected + "); hint: why this range: "), std::string::npos)
        << message;
  }
}

TEST(ScenarioRanges, WholeNumbersNameTheirRange) {
  EXPECT_EQ(error_of(with("  pp: 4", "  pp: 4097")),
            "s.yaml:9:7: parallelism.pp: 4097 is out of range (expected a whole number from 1 to 4096)");
  EXPECT_EQ(error_of(with("  nodes: 4", "  nodes: 1000001")),
            "s.yaml:16:10: cluster.nodes: 1000001 is out of range (expected a whole number from 1 to 1000000)");
  EXPECT_EQ(error_of(with("  sequence_length: 4096", "  sequence_length: 10000001")),
            "s.yaml:5:20: training.sequence_length: 10000001 is out of range (expected a whole number from 1 to 10000000)");
  EXPECT_EQ(error_of(with("hbm_capacity: 1 TiB", "hbm_capacity: 1 TiB, sm_count: 10001")),
            "s.yaml:15:52: cluster.gpu.sm_count: 10001 is out of range (expected a whole number from 1 to 10000)");
}

// A list longer than the pipeline's stages fails on its length; its entries (here one that is not even a
// number) are never read, so a list of millions costs nothing.
TEST(ScenarioRanges, ALongPlacementListFailsBeforeItsEntriesAreRead) {
  EXPECT_EQ(error_of(with("  recompute: deepseek", "  recompute: deepseek\n  layers_per_stage: [16, 15, 15, 15, x]")),
            "s.yaml:14:21: parallelism.layers_per_stage: has 5 entries for 4 pipeline stages (expected one layer count "
            "per stage (4)); hint: or layers_per_stage: auto");
}

TEST(ScenarioRanges, Fp8NeedsFp8TensorCores) {
  const std::string a100 = with("type: h800", "type: a100");
  EXPECT_EQ(error_of(with("  tokens: 1B", "  tokens: 1B\n  precision: fp8", a100)),
            "s.yaml:8:14: training.precision: fp8 on a GPU without FP8 tensor cores (a100) (expected bf16 on this GPU); "
            "hint: precision: bf16 (the A100 has no FP8 tensor cores)");
  // Without a precision key the A100 trains in BF16; given FP8 tensor cores by an override, it may use them.
  EXPECT_FALSE(parse_scenario(a100, "s.yaml").job.precision.fp8_gemms);
  EXPECT_TRUE(parse_scenario(with("  tokens: 1B", "  tokens: 1B\n  precision: fp8",
                                  with("type: a100", "type: a100, fp8_peak: 624 TFLOP/s", a100)), "s.yaml")
                  .job.precision.fp8_gemms);
  EXPECT_TRUE(parse_scenario(kValidScenario, "s.yaml").job.precision.fp8_gemms);  // the H800 has them
}

TEST(ScenarioRanges, AnOversizeScenarioFileFailsBeforeParsing) {
  const std::string path = ::testing::TempDir() + "trainsim-oversize-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + ".yaml";
  std::ofstream(path, std::ios::binary) << kValidScenario << std::string(2 << 20, '#') << "\n";
  try {
    load_scenario(path);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    const auto size = std::filesystem::file_size(path);
    EXPECT_NE(std::string(e.what()).find(fmt::format("is 2 MiB ({} bytes), over the limit of 1 MiB", size)), std::string::npos)
        << e.what();
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace trainsim::sim
