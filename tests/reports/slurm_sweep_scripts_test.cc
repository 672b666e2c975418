// The Slurm scripts of a sweep on their text, written out by hand from the sbatch manual (Slurm 22.05): the array
// and its log pattern (%a the task), a blank in a path quoted on an #SBATCH line and single-quoted in the shell,
// "%%" for a literal '%', the user's #SBATCH lines after ours, and what cannot be written refused.
#include "reports/slurm_sweep_scripts.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace trainsim::reports {
namespace {

SlurmSweepJob two_tasks_in(const std::string& out_dir) {
  SlurmSweepJob job;
  job.trainsim_path = "/opt/trainsim/bin/trainsim";
  job.sweep_arguments = {"/home/u/s.yaml", "--set", "parallelism.pp=1,2", "--fidelity", "analytic"};
  job.out_dir = out_dir;
  job.array_tasks = 2;
  job.cpus_per_task = 1;
  job.sbatch_options = {"--partition=cpu"};
  return job;
}

TEST(SlurmSweepScripts, TheArrayTheMergeAndTheSubmitLineByHand) {
  const SlurmSweepScripts s = slurm_sweep_scripts(two_tasks_in("/scratch/u/run 1"));
  const std::string submit =
      "job=$(sbatch --parsable '/scratch/u/run 1/sweep.sbatch') && "
      "sbatch --dependency=afterok:\"${job%%;*}\" '/scratch/u/run 1/merge.sbatch'";
  EXPECT_EQ(s.submit_command, submit);
  EXPECT_EQ(s.array_path, "/scratch/u/run 1/sweep.sbatch");
  EXPECT_EQ(s.merge_path, "/scratch/u/run 1/merge.sbatch");
  EXPECT_EQ(s.folders, (std::vector<std::string>{"/scratch/u/run 1/logs", "/scratch/u/run 1/shards"}));
  EXPECT_EQ(s.array_script,
            "#!/bin/bash\n"
            "# Task I of this Slurm job array runs shard I/2 of a trainsim sweep into shards/I; merge.sbatch joins\n"
            "# them once every task has succeeded. Written by `trainsim sweep --slurm 2`; submit both with\n"
            "#   " + submit + "\n"
            "#SBATCH --job-name=trainsim-sweep\n"
            "#SBATCH --array=0-1\n"
            "#SBATCH --ntasks=1\n"
            "#SBATCH --cpus-per-task=1\n"
            "#SBATCH --output=\"/scratch/u/run 1/logs/shard-%a.out\"\n"
            "#SBATCH --partition=cpu\n"
            "set -euo pipefail\n"
            "exec /opt/trainsim/bin/trainsim sweep /home/u/s.yaml --set 'parallelism.pp=1,2' --fidelity analytic "
            "--shard \"$SLURM_ARRAY_TASK_ID\"/2 --out '/scratch/u/run 1/shards/'\"$SLURM_ARRAY_TASK_ID\"\n");
  EXPECT_EQ(s.merge_script,
            "#!/bin/bash\n"
            "# Joins the shards that sweep.sbatch wrote into the outputs of the whole sweep here (sweep.csv, sweep.json,\n"
            "# sweep.md, the pictures). Submitted held by --dependency=afterok on the array, it starts once every task\n"
            "# has succeeded; --kill-on-invalid-dep cancels it when one failed, rather than leave it pending for ever.\n"
            "#SBATCH --job-name=trainsim-sweep-merge\n"
            "#SBATCH --ntasks=1\n"
            "#SBATCH --cpus-per-task=1\n"
            "#SBATCH --output=\"/scratch/u/run 1/logs/merge.out\"\n"
            "#SBATCH --kill-on-invalid-dep=yes\n"
            "#SBATCH --partition=cpu\n"
            "set -euo pipefail\n"
            "exec /opt/trainsim/bin/trainsim merge '/scratch/u/run 1/shards/'{0..1} --out '/scratch/u/run 1'\n");
}

TEST(SlurmSweepScripts, PercentQuoteAndHashInALogPathAreLiteral) {
  // sbatch ends an #SBATCH line at a '#' outside quotes, strips quotes and reads \" as '"'; Slurm's --output
  // reads "%%" as '%'.
  const SlurmSweepScripts s = slurm_sweep_scripts(two_tasks_in("/s/50%'s \"#1\""));
  EXPECT_NE(s.merge_script.find("#SBATCH --output=\"/s/50%%'s \\\"#1\\\"/logs/merge.out\"\n"), std::string::npos)
      << s.merge_script;
  EXPECT_NE(s.array_script.find("--out '/s/50%'\\''s \"#1\"/shards/'\"$SLURM_ARRAY_TASK_ID\"\n"), std::string::npos)
      << s.array_script;
}

TEST(SlurmSweepScripts, WhatAnSbatchLineCannotCarryIsRefused) {
  try {
    slurm_sweep_scripts(two_tasks_in("/s/two\nlines"));
    ADD_FAILURE() << "a newline in the folder was accepted";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.where().file, "--out");
    EXPECT_NE(std::string(e.what()).find("newline or a backslash"), std::string::npos) << e.what();
  }
  EXPECT_THROW(slurm_sweep_scripts(two_tasks_in("/s/back\\slash")), ConfigError);  // it would turn %a off
  SlurmSweepJob job = two_tasks_in("/s/run");
  job.sbatch_options = {"partition=cpu"};
  try {
    slurm_sweep_scripts(job);
    ADD_FAILURE() << "an option without its dashes was accepted";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.where().file, "--slurm-option");
    EXPECT_NE(std::string(e.what()).find("'partition=cpu' is not an sbatch option"), std::string::npos) << e.what();
  }
  job.sbatch_options = {"--time=1:00:00\nrm -rf /"};
  EXPECT_THROW(slurm_sweep_scripts(job), ConfigError);
}

}  // namespace
}  // namespace trainsim::reports
