// A sweep as Slurm jobs (`trainsim sweep ... --slurm N`): a job array whose task I runs shard I/N of the sweep
// into shards/I, and a merge job, held until every task has succeeded, that joins the shards into the outputs of
// the whole sweep. Option names and #SBATCH parsing as in the sbatch manual and source of Slurm 22.05.
#pragma once
#include <string>
#include <vector>

namespace trainsim::reports {

struct SlurmSweepJob {
  std::string trainsim_path;                 // absolute: the binary every job runs
  std::vector<std::string> sweep_arguments;  // the words after `trainsim sweep` but --shard and --out: the
                                             // scenario by absolute path, --set, --fix, --fidelity
  std::string out_dir;                       // absolute: scripts, logs/, shards/I and the merged outputs
  int array_tasks = 1;
  int cpus_per_task = 1;
  std::vector<std::string> sbatch_options;   // extra #SBATCH lines of both scripts (--partition=cpu)
};

struct SlurmSweepScripts {
  std::string array_path, array_script;  // out_dir/sweep.sbatch: the job array
  std::string merge_path, merge_script;  // out_dir/merge.sbatch: the merge
  std::string submit_command;            // one shell line that submits both, the merge after the array
  std::vector<std::string> folders;      // what must exist before submission: logs/ (Slurm opens the logs) and shards/
};

// Throws ConfigError (located at --out or --slurm-option) for what an #SBATCH line cannot carry: a newline or a
// backslash in out_dir, an option that is not one (no leading '-') or holds a newline.
SlurmSweepScripts slurm_sweep_scripts(const SlurmSweepJob& job);

}  // namespace trainsim::reports
