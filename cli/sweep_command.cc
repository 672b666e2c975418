// `trainsim sweep SCENARIO --set KEY=V1,V2 ... [--variants FILE] [--out DIR]`: the cross product of the values
// (a variants file's named points as one more axis, `variant`, first), each point run as
// `trainsim run` runs it, in child processes on all cores (sim/cost/sweep.h); a Markdown table on standard
// output, and sweep.csv, sweep.json and sweep.md in DIR. With --slurm N, the Slurm jobs that run it in N shards and
// merge them (reports/slurm_sweep_scripts.h) instead.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/progress_line.h"
#include "core/error.h"
#include "core/read_file.h"
#include "reports/report_page.h"
#include "reports/slurm_sweep_scripts.h"
#include "reports/sweep_charts.h"
#include "reports/sweep_page.h"
#include "reports/sweep_report.h"
#include "sim/cost/sweep.h"

namespace trainsim::cli {
namespace {

// sweep.csv, sweep.json, sweep.md, index.html (the report page, pictures inline), and the pictures: cost and days
// by each varied key, the step breakdown.
void plan_sweep_outputs(OutputFiles& outputs, const std::string& dir, const sim::Sweep& sweep, const std::string& page,
                        const std::string& command_line) {
  std::filesystem::create_directories(dir);
  outputs.stage(outputs.plan("--out", dir + "/sweep.csv"), reports::sweep_csv(sweep));
  outputs.stage(outputs.plan("--out", dir + "/sweep.json"), reports::sweep_json(sweep));
  outputs.stage(outputs.plan("--out", dir + "/sweep.md"), page);
  for (std::size_t a = 0; a < sweep.axes.size(); ++a) {
    const std::string stem = dir + "/by-" + std::to_string(a) + "-";
    outputs.stage(outputs.plan("--out", stem + "cost.svg"), reports::sweep_axis_svg(sweep, a, reports::SweepFigure::kCostUsd));
    outputs.stage(outputs.plan("--out", stem + "days.svg"), reports::sweep_axis_svg(sweep, a, reports::SweepFigure::kDays));
  }
  outputs.stage(outputs.plan("--out", dir + "/step-breakdown.svg"), reports::sweep_breakdown_svg(sweep));
  outputs.stage(outputs.plan("--out", dir + "/index.html"), reports::report_page_html(reports::sweep_page(sweep, command_line)));
}

// --variants FILE: its named points as the first axis, `variant` (sim/cost/sweep_variants.h).
void add_variants_option(CLI::App& command, std::string& variants_file) {
  command.add_option("--variants", variants_file,
                     "YAML file of named points, each a mapping of scenario keys to values (the keys --set takes): run as "
                     "the values of one more axis, `variant`, crossed with any --set")
      ->type_name("FILE");
}

void add_variant_axis(const std::string& variants_file, std::vector<sim::SweepAxis>& axes, std::string& command_line) {
  if (variants_file.empty()) {
    if (axes.empty())
      throw ConfigError(SourceLocation{"--set", 0, 0, ""}, "nothing to sweep", "--set KEY=V1,V2,... or --variants FILE");
    return;
  }
  axes.insert(axes.begin(), sim::variant_axis(sim::read_sweep_variants(variants_file)));
  command_line += " --variants " + variants_file;
}

struct SweepOptions {
  std::string scenario;
  std::vector<std::string> axes;
  std::vector<std::string> fixed;
  std::string fidelity = "stage";
  std::string out_dir;
  std::string shard;
  std::string variants;
  int slurm_tasks = 0;
  std::vector<std::string> slurm_options;
};

// `--slurm N`: the job scripts instead of the sweep, with the command that submits them on standard output. Every
// path is absolute, as the jobs run on other machines from another folder; one CPU per point of a task's share,
// as a shard runs its points side by side.
void write_slurm_jobs(const SweepOptions& options, const std::vector<sim::SweepAxis>& axes, const std::string& path) {
  const SourceLocation at{"--slurm", 0, 0, ""};
  if (options.out_dir.empty())
    throw ConfigError(at, "no --out folder", "--out DIR, a folder every node of the cluster can reach");
  if (path == "-") throw ConfigError(at, "the scenario comes from standard input", "a scenario file the jobs can read");
  try {
    read_file(path);
  } catch (const Error& e) {  // a file the user named: an input error, here rather than in every job
    throw ConfigError(SourceLocation{path, 0, 0, ""}, e.what(), "a scenario file the jobs can read");
  }
  int points = 1;
  for (const sim::SweepAxis& axis : axes) points *= static_cast<int>(axis.values.size());
  if (options.slurm_tasks > points)
    throw ConfigError(at, fmt::format("{} tasks for {} points", options.slurm_tasks, points),
                      fmt::format("at most {} tasks, one point or more each", points));
  reports::SlurmSweepJob job;
  job.trainsim_path = std::filesystem::read_symlink("/proc/self/exe").string();
  job.sweep_arguments = {std::filesystem::absolute(path).lexically_normal().string()};
  for (const std::string& text : options.axes) job.sweep_arguments.insert(job.sweep_arguments.end(), {"--set", text});
  for (const std::string& text : options.fixed) job.sweep_arguments.insert(job.sweep_arguments.end(), {"--fix", text});
  if (!options.variants.empty())
    job.sweep_arguments.insert(job.sweep_arguments.end(),
                               {"--variants", std::filesystem::absolute(options.variants).lexically_normal().string()});
  job.sweep_arguments.insert(job.sweep_arguments.end(), {"--fidelity", options.fidelity});
  std::filesystem::path out = std::filesystem::absolute(options.out_dir).lexically_normal();
  if (out.filename().empty()) out = out.parent_path();  // "dir/" names dir
  job.out_dir = out.string();
  job.array_tasks = options.slurm_tasks;
  const int points_per_task = (points + job.array_tasks - 1) / job.array_tasks;
  job.cpus_per_task = points_per_task;
  job.sbatch_options = options.slurm_options;
  const reports::SlurmSweepScripts scripts = reports::slurm_sweep_scripts(job);
  OutputFiles outputs;
  for (const std::string& folder : scripts.folders) std::filesystem::create_directories(folder);
  outputs.stage(outputs.plan("--out", scripts.array_path), scripts.array_script);
  outputs.stage(outputs.plan("--out", scripts.merge_path), scripts.merge_script);
  outputs.stage(outputs.plan("-", ""), scripts.submit_command + "\n");
  commit_outputs(outputs);
  std::fprintf(stderr,
               "trainsim: %d array tasks of up to %d points each, then the merge; the line on standard output submits "
               "them\n",
               job.array_tasks, points_per_task);
}

}  // namespace

void add_sweep_command(CLI::App& app) {
  auto options = std::make_shared<SweepOptions>();
  CLI::App* command = app.add_subcommand(
      "sweep", "Run the cross product of scenario values (--set parallelism.pp=8,16,32 --set cluster.gpu=h800,h100) on "
               "all cores: step, MFU, GPU-hours, cost, days and memory per point, points that cannot run with their "
               "reason, the best point per objective and the Pareto front of cost and days");
  command->add_option("scenario", options->scenario, "Scenario YAML file (default: the default scenario)");
  command->add_option("--set", options->axes, "KEY.PATH=V1,V2,...: a varied key and its values (YAML), repeatable")
      ->type_name("KEY=V1,V2");
  add_variants_option(*command, options->variants);
  command->add_option("--fix", options->fixed, "KEY.PATH=VALUE set on every point, as run's --set; repeatable")
      ->type_name("KEY=VALUE");
  command->add_option("--fidelity", options->fidelity, "stage (default), gpu or analytic, as for `trainsim run`")
      ->check(CLI::IsMember({"analytic", "stage", "gpu"}));
  command->add_option("--out", options->out_dir, "Write sweep.csv, sweep.json, sweep.md and the pictures (by-K-cost.svg and "
                                                 "by-K-days.svg for the K-th varied key, step-breakdown.svg) into this folder");
  CLI::Option* shard_option = command->add_option(
      "--shard", options->shard,
      "I/N: run only the points whose index is I mod N (one machine's share; `trainsim merge` joins the "
      "shards' folders into the outputs of the whole sweep)");
  CLI::Option* slurm_option =
      command
          ->add_option("--slurm", options->slurm_tasks,
                       "N: run nothing; write DIR/sweep.sbatch, a Slurm job array of N tasks (task I runs --shard I/N into "
                       "DIR/shards/I), and DIR/merge.sbatch, which merges them into DIR once all have succeeded; print the "
                       "command that submits both")
          ->check(CLI::PositiveNumber)
          ->excludes(shard_option);
  command
      ->add_option("--slurm-option", options->slurm_options,
                   "OPTION: an #SBATCH line of both scripts, given as --slurm-option=--partition=cpu (or --time=2:00:00, "
                   "--cpus-per-task=8); after trainsim's own, so it wins; repeatable. Options on the sbatch command line "
                   "win over both")
      ->needs(slurm_option);
  command->callback([options] {
    const sim::SweepShard shard = options->shard.empty() ? sim::SweepShard{} : sim::parse_sweep_shard(options->shard);
    std::vector<sim::SweepAxis> axes;
    for (const std::string& text : options->axes) axes.push_back(sim::parse_sweep_axis(text));
    const std::string path = options->scenario.empty() ? default_scenario_path() : options->scenario;
    std::string command_line = "trainsim sweep " + path;
    for (const std::string& text : options->axes) command_line += " --set " + text;
    for (const std::string& text : options->fixed) command_line += " --fix " + text;
    if (options->fidelity != "stage") command_line += " --fidelity " + options->fidelity;
    if (!options->shard.empty()) command_line += " --shard " + options->shard;
    add_variant_axis(options->variants, axes, command_line);
    if (options->slurm_tasks > 0) return write_slurm_jobs(*options, axes, path);
    if (!options->out_dir.empty()) std::filesystem::create_directories(options->out_dir);  // a bad folder fails first
    OutputFiles outputs;
    const std::function<void(int, int)> progress = count_progress("sweep", "points");
    const sim::Sweep sweep = sim::run_sweep(path, options->fixed, axes,
                                            sim::fidelity_from_name(options->fidelity).value_or(sim::Fidelity::kStage),
                                            progress, shard);
    const std::string page = reports::sweep_markdown(sweep, command_line);
    if (!options->out_dir.empty()) plan_sweep_outputs(outputs, options->out_dir, sweep, page, command_line);
    outputs.stage(outputs.plan("-", ""), page);
    commit_outputs(outputs);
  });
}

void add_merge_command(CLI::App& app) {
  struct Options {
    std::vector<std::string> dirs;
    std::string out_dir;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = app.add_subcommand(
      "merge", "Join the folders of a sweep's shards (trainsim sweep --shard I/N --out DIR) into the outputs one run of "
               "the whole sweep writes");
  command->add_option("dirs", options->dirs, "The shards' --out folders, each holding sweep.json")->required();
  command->add_option("--out", options->out_dir, "Write the merged sweep.csv, sweep.json and sweep.md here")->required();
  command->callback([options] {
    std::vector<sim::Sweep> shards;
    for (const std::string& dir : options->dirs) {
      const std::string file = dir + "/sweep.json";
      std::string text;
      try {
        text = read_file(file);
      } catch (const Error& e) {  // a folder the user named: an input error
        throw ConfigError(SourceLocation{file, 0, 0, ""}, e.what(), "the --out folder of a `trainsim sweep --shard` run");
      }
      shards.push_back(reports::read_sweep_json(text, file));
    }
    const sim::Sweep sweep = sim::merge_sweeps(shards);
    OutputFiles outputs;
    const std::string command_line = fmt::format("trainsim merge {}", fmt::join(options->dirs, " "));
    plan_sweep_outputs(outputs, options->out_dir, sweep, reports::sweep_markdown(sweep, command_line), command_line);
    commit_outputs(outputs);
  });
}

}  // namespace trainsim::cli
