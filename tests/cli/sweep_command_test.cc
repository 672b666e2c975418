// `trainsim sweep` end to end on a small DeepSeek-V3 slice: one CSV row per point of the cross product with the
// varied values, infeasible points kept with their reason, the same bytes from a second run, and a malformed
// --set refused with 2.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "run_trainsim.h"

namespace trainsim::testing {
namespace {

const char* kSmallMoe =
    "seed: 7\n"
    "model: {preset: deepseek-v3, overrides: {num_hidden_layers: 5}}\n"
    "training: {sequence_length: 512, global_batch: 64, tokens: 1B}\n"
    "parallelism: {pp: 1, schedule: 1f1b, ep: 16, recompute: deepseek}\n"
    "cluster: {gpu: {type: h800, hbm_capacity: 1 TiB}, nodes: 4, nic_bandwidth: 400 Gb/s}\n";

std::string read(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(SweepCommand, OneRowPerPointWithReasonsAndTheSameBytesTwice) {
  const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / "sweep_command";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "s.yaml") << kSmallMoe;
  // pp 1 and 2 run (dp derived: 32 and 16); pp 3 does not divide the 32 GPUs.
  const std::vector<std::string> args{"sweep", (dir / "s.yaml").string(), "--set", "parallelism.pp=1,2,3",
                                      "--set", "cluster.gpu=h800,h100"};
  std::vector<std::string> first = args, second = args;
  first.insert(first.end(), {"--out", (dir / "a").string()});
  second.insert(second.end(), {"--out", (dir / "b").string()});
  const ProcessResult r = run_trainsim(first);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(run_trainsim(second).exit_code, 0);
  const std::string csv = read(dir / "a" / "sweep.csv");
  EXPECT_EQ(csv, read(dir / "b" / "sweep.csv"));
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 1 + 6);  // the header, then 3 x 2 points
  EXPECT_EQ(csv.rfind("parallelism.pp,cluster.gpu,feasible,step_time_s", 0), 0u) << csv;
  EXPECT_NE(csv.find("\n1,h800,yes,"), std::string::npos) << csv;
  EXPECT_NE(csv.find("\n2,h100,yes,"), std::string::npos) << csv;
  EXPECT_NE(csv.find("\n3,h800,no,"), std::string::npos) << csv;
  EXPECT_NE(csv.find("pp 3"), std::string::npos) << "the reason is kept:\n" << csv;
  EXPECT_NE(r.out.find("## Pareto front of cost and days"), std::string::npos) << r.out;
  EXPECT_NE(read(dir / "a" / "sweep.json").find("\"pareto_cost_days\""), std::string::npos);
}

TEST(SweepCommand, AMalformedAxisExitsTwo) {
  const ProcessResult r = run_trainsim({"sweep", "--set", "parallelism.pp"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("is not KEY=V1,V2"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace trainsim::testing
