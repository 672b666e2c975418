// MeasuredRunSet: published measurements of whole training steps, each beside the scenario that describes the
// run, read from a YAML file (docs/validation.md gives the format). `trainsim validate-published` predicts each
// run and compares; reports/published/ keeps the result.
#pragma once
#include <string>
#include <vector>

#include "core/error.h"

namespace trainsim::sim {

// What a publication gives of a run: its step time, or a figure the step time follows from.
enum class MeasuredFigure {
  kStepTime,                  // measured_step: the iteration time
  kFlopsPerGpu,               // measured_tflops_per_gpu: FLOP/s per GPU, the publication's FLOP count unstated
  kGpuHoursPerTrillionTokens,  // measured_gpu_hours_per_trillion_tokens
  kTokensPerGpu                // measured_tokens_per_s_per_gpu: tokens trained a second per GPU
};

struct MeasuredRun {
  std::string name;           // "gpt-1.7b": how the report and --only name the run
  std::string scenario_path;  // resolved against the set file's folder
  MeasuredFigure figure = MeasuredFigure::kStepTime;
  double figure_value = 0;    // seconds, FLOP/s per GPU, GPU-hours per 10^12 tokens, or tokens/s per GPU
  std::string note;           // how the figure was read from the source ("137 TFLOP/s per GPU by ...")
  SourceLocation where;       // the run's entry in the set file

  // The measured step time of a run of `gpus` GPUs whose step trains `tokens_per_step` tokens: the figure itself,
  // or FLOPs a step over the GPUs' rate (the prediction's model FLOPs `model_flops_per_step`, where the
  // publication does not give its count), or the GPU-seconds a token times the step's tokens over the GPUs
  // (GPU-hours per trillion tokens, or tokens a second per GPU).
  double step_time_s(double model_flops_per_step, double tokens_per_step, int gpus) const;
  // "3.53 s", "430 TFLOP/s per GPU", "172.8 K GPU-hours per trillion tokens", "292 tokens/s per GPU".
  std::string figure_text() const;
};

struct MeasuredRunSet {
  std::string source_file;  // the set file, as given
  std::string title;        // "Megatron-LM weak scaling on A100"
  std::string source;       // the publication
  std::string url;
  std::string description;
  double goal_mean_abs_error = 0;  // the goal for the mean |predicted / measured - 1| (0.05 is 5%); 0: none
  std::vector<MeasuredRun> runs;
};

// Throws ConfigError at the offending key: unknown keys, a missing scenario file, a duplicate name, a time
// without its unit.
MeasuredRunSet load_measured_runs(const std::string& path);

// The runs named in `only` (all when empty), in the set's order; an unknown name is a ConfigError at "--only".
std::vector<MeasuredRun> select_runs(const MeasuredRunSet& set, const std::vector<std::string>& only);

}  // namespace trainsim::sim
