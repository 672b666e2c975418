// The two sbatch scripts of a sweep and the line that submits them. Every path is absolute and every shell word
// quoted (reports/shell_quote.h); what #SBATCH lines carry is quoted as sbatch reads them (checked on Slurm
// 22.05.8's sbatch -vv), and a log path's '%' doubled, as Slurm's filename patterns read "%%" as '%'.
#include "reports/slurm_sweep_scripts.h"

#include <fmt/format.h>

#include "core/error.h"
#include "reports/shell_quote.h"

namespace trainsim::reports {
namespace {

// Refuses what no #SBATCH line can carry: a newline ends the line, and a backslash anywhere in an output path
// turns off Slurm's %-patterns (so every task would write one log).
void check_out_dir(const std::string& dir) {
  if (dir.find_first_of("\n\r\\") != std::string::npos)
    throw ConfigError(SourceLocation{"--out", 0, 0, ""}, fmt::format("'{}' holds a newline or a backslash", dir),
                      "a folder an #SBATCH --output line can name", "choose another folder for a Slurm sweep");
}

void check_sbatch_option(const std::string& option) {
  if (!option.starts_with("-") || option.find_first_of("\n\r") != std::string::npos)
    throw ConfigError(SourceLocation{"--slurm-option", 0, 0, ""}, fmt::format("'{}' is not an sbatch option", option),
                      "one option of one line, as after #SBATCH", "such as --partition=cpu or --time=2:00:00");
}

// A value as one argument of an #SBATCH line: sbatch splits the line at blanks and ends it at '#' outside quotes,
// and a backslash makes the next character plain. Between double quotes, then, with '"' and '\' escaped: Slurm
// 22.05 ends a word at an escaped blank (its loop tests for a blank before the escape), so only quotes keep one.
std::string sbatch_word(const std::string& text) {
  std::string word = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') word += '\\';
    word += c;
  }
  return word + "\"";
}

// A literal path as the start of an --output pattern: '%' starts a pattern (%a the array task), "%%" is a '%'.
std::string literal_log_path(const std::string& path) {
  std::string literal;
  for (const char c : path) literal += c == '%' ? std::string("%%") : std::string(1, c);
  return literal;
}

// The #SBATCH lines: ours first, then the user's, as sbatch lets a later option override an earlier one.
std::string sbatch_lines(const std::vector<std::string>& ours, const std::vector<std::string>& users) {
  std::string lines;
  for (const std::string& option : ours) lines += "#SBATCH " + option + "\n";
  for (const std::string& option : users) lines += "#SBATCH " + option + "\n";
  return lines;
}

std::string array_script(const SlurmSweepJob& job, const SlurmSweepScripts& s) {
  const int n = job.array_tasks;
  std::vector<std::string> sweep{job.trainsim_path, "sweep"};
  sweep.insert(sweep.end(), job.sweep_arguments.begin(), job.sweep_arguments.end());
  return fmt::format(
             "#!/bin/bash\n"
             "# Task I of this Slurm job array runs shard I/{0} of a trainsim sweep into shards/I; merge.sbatch joins\n"
             "# them once every task has succeeded. Written by `trainsim sweep --slurm {0}`; submit both with\n"
             "#   {1}\n",
             n, s.submit_command) +
         sbatch_lines({"--job-name=trainsim-sweep", fmt::format("--array=0-{}", n - 1), "--ntasks=1",
                       fmt::format("--cpus-per-task={}", job.cpus_per_task),
                       "--output=" + sbatch_word(literal_log_path(job.out_dir + "/logs/shard-") + "%a.out")},
                      job.sbatch_options) +
         "set -euo pipefail\n" +
         fmt::format("exec {} --shard \"$SLURM_ARRAY_TASK_ID\"/{} --out {}\"$SLURM_ARRAY_TASK_ID\"\n", shell_join(sweep), n,
                     shell_quote(job.out_dir + "/shards/"));
}

std::string merge_script(const SlurmSweepJob& job) {
  return std::string(
             "#!/bin/bash\n"
             "# Joins the shards that sweep.sbatch wrote into the outputs of the whole sweep here (sweep.csv, sweep.json,\n"
             "# sweep.md, the pictures). Submitted held by --dependency=afterok on the array, it starts once every task\n"
             "# has succeeded; --kill-on-invalid-dep cancels it when one failed, rather than leave it pending for ever.\n") +
         sbatch_lines({"--job-name=trainsim-sweep-merge", "--ntasks=1", "--cpus-per-task=1",
                       "--output=" + sbatch_word(literal_log_path(job.out_dir + "/logs/merge.out")),
                       "--kill-on-invalid-dep=yes"},
                      job.sbatch_options) +
         "set -euo pipefail\n" +
         // bash's brace expansion: shards/0 ... shards/N-1 as N words, however many tasks there are.
         fmt::format("exec {} merge {}{{0..{}}} --out {}\n", shell_quote(job.trainsim_path),
                     shell_quote(job.out_dir + "/shards/"), job.array_tasks - 1, shell_quote(job.out_dir));
}

}  // namespace

SlurmSweepScripts slurm_sweep_scripts(const SlurmSweepJob& job) {
  check_out_dir(job.out_dir);
  for (const std::string& option : job.sbatch_options) check_sbatch_option(option);
  SlurmSweepScripts s;
  s.array_path = job.out_dir + "/sweep.sbatch";
  s.merge_path = job.out_dir + "/merge.sbatch";
  s.folders = {job.out_dir + "/logs", job.out_dir + "/shards"};
  // The merge waits on the cluster (a dependency), not in the submitting shell (sbatch --wait): a sweep can
  // outlast the login session that submitted it. --parsable prints "ID" or "ID;CLUSTER"; the dependency takes ID.
  s.submit_command = fmt::format("job=$(sbatch --parsable {}) && sbatch --dependency=afterok:\"${{job%%;*}}\" {}",
                                 shell_quote(s.array_path), shell_quote(s.merge_path));
  s.array_script = array_script(job, s);
  s.merge_script = merge_script(job);
  return s;
}

}  // namespace trainsim::reports
