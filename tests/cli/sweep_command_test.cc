// `trainsim sweep` end to end on a small DeepSeek-V3 slice: one CSV row per point of the cross product with the
// varied values, infeasible points kept with their reason, the same bytes from a second run, and a malformed
// --set refused with 2. The --slurm scripts run by bash alone (their #SBATCH lines are comments to it) merge to
// the whole sweep's bytes; a real Slurm cluster runs them in sweep_slurm_test.sh.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli_test_files.h"
#include "run_trainsim.h"
#include "small_moe_scenario.h"

namespace trainsim::testing {
namespace {

TEST(SweepCommand, OneRowPerPointWithReasonsAndTheSameBytesTwice) {
  const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / "sweep_command";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "s.yaml") << small_moe_scenario();
  // pp 1 and 2 run (dp derived: 32 and 16); pp 3 does not divide the 32 GPUs.
  const std::vector<std::string> args{"sweep", (dir / "s.yaml").string(), "--set", "parallelism.pp=1,2,3",
                                      "--set", "cluster.gpu=h800,h100"};
  std::vector<std::string> first = args, second = args;
  first.insert(first.end(), {"--out", (dir / "a").string()});
  second.insert(second.end(), {"--out", (dir / "b").string()});
  const ProcessResult r = run_trainsim(first);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(run_trainsim(second).exit_code, 0);
  const std::string csv = file_text(dir / "a" / "sweep.csv");
  EXPECT_EQ(csv, file_text(dir / "b" / "sweep.csv"));
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 1 + 6);  // the header, then 3 x 2 points
  EXPECT_EQ(csv.rfind("parallelism.pp,cluster.gpu,feasible,step_time_s", 0), 0u) << csv;
  EXPECT_NE(csv.find("\n1,h800,yes,"), std::string::npos) << csv;
  EXPECT_NE(csv.find("\n2,h100,yes,"), std::string::npos) << csv;
  EXPECT_NE(csv.find("\n3,h800,no,"), std::string::npos) << csv;
  EXPECT_NE(csv.find("pp 3"), std::string::npos) << "the reason is kept:\n" << csv;
  EXPECT_NE(r.out.find("## Pareto front of cost and days"), std::string::npos) << r.out;
  EXPECT_NE(file_text(dir / "a" / "sweep.json").find("\"pareto_cost_days\""), std::string::npos);
}

TEST(SweepCommand, ThreeShardsMergeToTheWholeSweepByteForByte) {
  const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / "sweep_command_shards";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "s.yaml") << small_moe_scenario();
  const std::vector<std::string> args{"sweep", (dir / "s.yaml").string(), "--set", "parallelism.pp=1,2,3",
                                      "--set", "cluster.gpu=h800,h100"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> a = args;
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  };
  ASSERT_EQ(run_trainsim(with({"--out", (dir / "whole").string()})).exit_code, 0);
  std::vector<std::string> merge{"merge"};
  for (int i = 0; i < 3; ++i) {
    const std::string shard_dir = (dir / ("shard" + std::to_string(i))).string();
    const ProcessResult r = run_trainsim(with({"--shard", std::to_string(i) + "/3", "--out", shard_dir}));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    merge.push_back(shard_dir);
  }
  merge.insert(merge.end(), {"--out", (dir / "merged").string()});
  const ProcessResult merged = run_trainsim(merge);
  ASSERT_EQ(merged.exit_code, 0) << merged.err;
  EXPECT_EQ(file_text(dir / "merged" / "sweep.csv"), file_text(dir / "whole" / "sweep.csv"));
  EXPECT_EQ(file_text(dir / "merged" / "sweep.json"), file_text(dir / "whole" / "sweep.json"));
  // Two shards of three leave points out: refused with 2.
  const ProcessResult partial = run_trainsim({"merge", merge[1], merge[2], "--out", (dir / "partial").string()});
  EXPECT_EQ(partial.exit_code, 2);
  EXPECT_NE(partial.err.find("missing or given twice"), std::string::npos) << partial.err;
  EXPECT_EQ(run_trainsim(with({"--shard", "3/3"})).exit_code, 2);
}

// A variants file: one row per named point under a `variant` column, a key the scenario refuses located at its
// line in the file, shards that merge to the whole, and a malformed file refused with 2 at its line.
TEST(SweepCommand, VariantsFileRunsItsNamedPoints) {
  const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / "sweep_command_variants";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "s.yaml") << small_moe_scenario();
  std::ofstream(dir / "v.yaml") << "pp1: {parallelism.pp: 1}\n"  // line 1
                                   "pp2-h100:\n"                  // 2
                                   "  parallelism.pp: 2\n"        // 3
                                   "  cluster.gpu: h100\n"        // 4
                                   "ep3: {parallelism.ep: 3}\n"   // 5: 3 does not divide the 256 experts
                                   "typo: {parallelism.ppp: 2}\n";  // 6
  const std::vector<std::string> args{"sweep", (dir / "s.yaml").string(), "--variants", (dir / "v.yaml").string()};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> a = args;
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  };
  const ProcessResult r = run_trainsim(with({"--out", (dir / "whole").string()}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string csv = file_text(dir / "whole" / "sweep.csv");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 1 + 4) << csv;
  EXPECT_EQ(csv.rfind("variant,feasible,step_time_s", 0), 0u) << csv;
  EXPECT_NE(csv.find("\npp1,yes,"), std::string::npos) << csv;
  EXPECT_NE(csv.find("\npp2-h100,yes,"), std::string::npos) << csv;
  EXPECT_NE(csv.find("\nep3,no,"), std::string::npos) << csv;
  // The file's line and column of the refused key, the variant's name in the key path.
  EXPECT_NE(csv.find("v.yaml:5:7: ep3.parallelism.ep"), std::string::npos) << csv;
  EXPECT_NE(csv.find("v.yaml:6:8: typo.parallelism.ppp"), std::string::npos) << csv;
  EXPECT_TRUE(std::filesystem::exists(dir / "whole" / "by-0-cost.svg"));
  // Two shards merge to the whole sweep, byte for byte.
  std::vector<std::string> merge{"merge"};
  for (int i = 0; i < 2; ++i) {
    const std::string shard_dir = (dir / ("shard" + std::to_string(i))).string();
    ASSERT_EQ(run_trainsim(with({"--shard", std::to_string(i) + "/2", "--out", shard_dir})).exit_code, 0);
    merge.push_back(shard_dir);
  }
  merge.insert(merge.end(), {"--out", (dir / "merged").string()});
  ASSERT_EQ(run_trainsim(merge).exit_code, 0);
  EXPECT_EQ(file_text(dir / "merged" / "sweep.csv"), csv);
  // A malformed file: refused before any point runs, at its line, nothing written.
  std::ofstream(dir / "bad.yaml") << "a: {}\nb: 16\n";
  const ProcessResult bad = run_trainsim({"sweep", (dir / "s.yaml").string(), "--variants", (dir / "bad.yaml").string(),
                                          "--out", (dir / "bad").string()});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("bad.yaml:2:4: b: variant 'b' is not a mapping"), std::string::npos) << bad.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "bad" / "sweep.csv"));
  EXPECT_EQ(run_trainsim({"sweep", (dir / "s.yaml").string()}).exit_code, 2);  // neither --set nor --variants
}

TEST(SweepCommand, TheSlurmScriptsRunByBashMergeToTheWholeSweep) {
  const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / "sweep_command_slurm";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "s.yaml") << small_moe_scenario();
  const std::vector<std::string> args{"sweep", (dir / "s.yaml").string(), "--set", "parallelism.pp=1,2,3",
                                      "--set", "cluster.gpu=h800,h100", "--fidelity", "analytic"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> a = args;
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  };
  ASSERT_EQ(run_trainsim(with({"--out", (dir / "whole").string()})).exit_code, 0);
  const std::filesystem::path jobs = dir / "jobs 'quoted'";  // a blank and a quote, as a user's folder may have
  const ProcessResult r = run_trainsim(with({"--slurm", "3", "--out", jobs.string()}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << "one line to submit both:\n" << r.out;
  EXPECT_NE(r.out.find("sbatch --parsable "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--dependency=afterok:"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(jobs / "sweep.csv")) << "--slurm runs nothing";
  // What Slurm would do, by hand: each array task with its SLURM_ARRAY_TASK_ID, then the merge.
  ::setenv("TRAINSIM_TEST_JOBS", jobs.c_str(), 1);  // the folder reaches the shell unquoted, through the environment
  for (const char* task : {"0", "1", "2"}) {
    ::setenv("SLURM_ARRAY_TASK_ID", task, 1);
    ASSERT_EQ(std::system("bash \"$TRAINSIM_TEST_JOBS/sweep.sbatch\" > /dev/null 2>&1"), 0) << "task " << task;
  }
  ::unsetenv("SLURM_ARRAY_TASK_ID");
  ASSERT_EQ(std::system("bash \"$TRAINSIM_TEST_JOBS/merge.sbatch\" > /dev/null 2>&1"), 0);
  EXPECT_EQ(file_text(jobs / "sweep.csv"), file_text(dir / "whole" / "sweep.csv"));
  EXPECT_EQ(file_text(jobs / "sweep.json"), file_text(dir / "whole" / "sweep.json"));
}

TEST(SweepCommand, SlurmRefusesWhatItCannotRunWithTwoAndWritesNothing) {
  const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / "sweep_command_slurm_errors";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "s.yaml") << small_moe_scenario();
  const std::string out = (dir / "jobs").string();
  const std::vector<std::string> sweep{"sweep", (dir / "s.yaml").string(), "--set", "parallelism.pp=1,2"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> a = sweep;
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  };
  const ProcessResult no_out = run_trainsim(with({"--slurm", "2"}));
  EXPECT_EQ(no_out.exit_code, 2);
  EXPECT_NE(no_out.err.find("no --out folder"), std::string::npos) << no_out.err;
  const ProcessResult too_many = run_trainsim(with({"--slurm", "3", "--out", out}));  // 2 points
  EXPECT_EQ(too_many.exit_code, 2);
  EXPECT_NE(too_many.err.find("3 tasks for 2 points"), std::string::npos) << too_many.err;
  const ProcessResult bad_option = run_trainsim(with({"--slurm", "2", "--slurm-option=partition=cpu", "--out", out}));
  EXPECT_EQ(bad_option.exit_code, 2);
  EXPECT_NE(bad_option.err.find("is not an sbatch option"), std::string::npos) << bad_option.err;
  EXPECT_EQ(run_trainsim(with({"--slurm", "2", "--shard", "0/2", "--out", out})).exit_code, 2);
  EXPECT_EQ(run_trainsim({"sweep", "-", "--set", "parallelism.pp=1,2", "--slurm", "2", "--out", out}).exit_code, 2);
  EXPECT_EQ(run_trainsim({"sweep", (dir / "none.yaml").string(), "--set", "parallelism.pp=1,2", "--slurm", "2",
                          "--out", out}).exit_code, 2);
  EXPECT_FALSE(std::filesystem::exists(out)) << "a refused --slurm leaves nothing behind";
}

TEST(SweepCommand, AMalformedAxisExitsTwo) {
  const ProcessResult r = run_trainsim({"sweep", "--set", "parallelism.pp"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("is not KEY=V1,V2"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace trainsim::testing
