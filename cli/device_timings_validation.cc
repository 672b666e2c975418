// The GPU's half of `trainsim validate` (see device_timings_validation.h).
#include "cli/device_timings_validation.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <limits>
#include <filesystem>
#include <set>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/routed_step_ops.h"
#include "core/error.h"
#include "core/json_fields.h"
#include "core/median.h"
#include "hardware/kernel_family.h"
#include "sim/step/data_parallel.h"
#include "sim/step/priced_model.h"
#include "sim/step/priced_scenario.h"

namespace trainsim::cli {
namespace {

using nlohmann::json;

constexpr const char* kHint =
    "a --timings file of train_reduced_model_cuda --backend cuda (kernels/model/op_timing_json.h; kernels/gpu-run.sh's "
    "model-step writes model/train-<precision>-<gpu>.json)";

// The ops the CUDA back-end runs on the GPU: the GEMMs and the attention core (the ops with a kernel shape), with
// FP8 GEMMs the casts of their activations, which it runs inside each GEMM call, and where the timings say so every
// op of the norm/element-wise and permute kinds (memory_bound_kernels.cuh), of the embedding_head kind
// (embedding_and_loss_kernels.cuh: the lookups, scatter-adds, final norms and losses beside the head's GEMMs) and of
// the router kind (routing_kernels.cuh: the top-k choice, the experts' layout, the gates' gradient and the balance
// loss beside the gate's GEMM).
bool runs_on_the_device(const models::Op& op, const DeviceTimings& t) {
  if (op.is_communication()) return false;
  if (op.kind == models::OpKind::kQuantize) return true;
  const models::ComputeKind kind = models::compute_kind_of(op);
  if (t.memory_bound_on_device &&
      (kind == models::ComputeKind::kNormElementwise || kind == models::ComputeKind::kPermute))
    return true;
  if (t.embedding_and_loss_on_device && kind == models::ComputeKind::kEmbeddingHead) return true;
  if (t.routing_on_device && kind == models::ComputeKind::kRouter) return true;
  return op.has_shape() && (op.kind == models::OpKind::kGemm || op.kind == models::OpKind::kGroupedGemm ||
                            op.kind == models::OpKind::kAttention);
}

// The step whose error is the median of the steps' (the lower middle of an even count): robust to an outlier
// step, and its predicted and measured times are one step's, so that the report's error is theirs. A step measured
// as nothing but predicted as something ranks above every other.
reports::PartComparison step_of_median_error(std::vector<reports::PartComparison> steps) {
  TS_CHECK(!steps.empty(), "no step to compare");
  auto rank = [](const reports::PartComparison& p) {
    return p.measured_s > 0 ? p.error() : p.predicted_s > 0 ? std::numeric_limits<double>::infinity() : 0.0;
  };
  std::stable_sort(steps.begin(), steps.end(), [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
  return steps[(steps.size() - 1) / 2];
}

// A fit whose rms over its own points exceeds a fifth of the kinds' 10% goal is named beside the kinds it priced.
constexpr double kLooseFit = reports::kKindGoal / 5;

std::string pricing_of(const sim::Scenario& s) {
  const auto& calibration = s.cluster.calibration;
  if (!calibration) return "the datasheet roofline (no calibration for this GPU)";
  return fmt::format("the calibration `{}` ({}, {})", calibration->file,
                     hw::calibration_source_name(calibration->source.kind), calibration->device.name);
}

}  // namespace

DeviceTimings load_device_timings(const std::string& file) {
  const JsonFields fields(file, kHint);
  std::ifstream in(file, std::ios::binary);
  if (!in) fields.malformed("", "cannot be read", "a timings file (--device-timings)");
  std::ostringstream text;
  text << in.rdbuf();
  const json root = fields.parse_object(text.str());
  DeviceTimings t;
  t.file = file;
  const json& run = fields.member(root, "run", "");
  t.config = fields.text(run, "config", "run");
  t.precision = fields.text(run, "precision", "run");
  t.backend = fields.text(run, "backend", "run");
  t.sequences = static_cast<int>(fields.whole(run, "sequences", 1, 1000000, "run"));
  t.length = static_cast<int>(fields.whole(run, "length", 1, 1000000, "run"));
  // Each absent from the files of runs before what it marks (false there): the stream hold
  // (kernels/common/stream_hold.cuh; their launches are inside), the memory-bound kernels, the embedding and loss,
  // the optimizer, the routing.
  for (auto [key, flag] : {std::pair{"launches_held", &t.launches_held},
                           std::pair{"memory_bound_on_device", &t.memory_bound_on_device},
                           std::pair{"embedding_and_loss_on_device", &t.embedding_and_loss_on_device},
                           std::pair{"optimizer_on_device", &t.optimizer_on_device},
                           std::pair{"routing_on_device", &t.routing_on_device}}) {
    if (!run.contains(key)) continue;
    if (!run[key].is_boolean()) fields.malformed(fmt::format("run.{}", key), "is not true or false", "true or false");
    *flag = run[key].get<bool>();
  }
  const json& steps = fields.member(root, "steps", "");
  if (!steps.is_array() || steps.size() < 2)
    fields.malformed("steps", fmt::format("holds {} steps", steps.is_array() ? steps.size() : 0),
                     "at least 2 (the first warms the device up)");
  double device_s = 0;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const std::string step = fmt::format("steps[{}]", i);
    const json& kinds = fields.member(steps[i], "device_by_op_kind_s", step);
    if (const auto rows = steps[i].find("expert_rows"); rows != steps[i].end()) {
      // [MoE block][expert], whole numbers of rows.
      std::vector<std::vector<std::int64_t>>& step_rows = t.expert_rows.emplace_back();
      if (!rows->is_array()) fields.malformed(step + ".expert_rows", fmt::format("is {}", rows->dump()), "a list");
      for (const json& block : *rows) {
        std::vector<std::int64_t>& experts = step_rows.emplace_back();
        if (!block.is_array()) fields.malformed(step + ".expert_rows", fmt::format("holds {}", block.dump()), "lists");
        for (const json& n : block) {
          if (!n.is_number_integer() || n.get<long long>() < 0)
            fields.malformed(step + ".expert_rows", fmt::format("holds {}", n.dump()), "whole numbers of rows");
          experts.push_back(n.get<std::int64_t>());
        }
      }
    }
    t.calls_past_hold.push_back(steps[i].contains("device_calls_past_hold")
                                    ? static_cast<int>(fields.whole(steps[i], "device_calls_past_hold", 0, 1000000000,
                                                                    step))
                                    : 0);
    t.weight_casts_s.push_back(steps[i].contains("device_weight_casts_s")
                                   ? fields.non_negative(steps[i], "device_weight_casts_s", step)
                                   : 0.0);
    std::array<double, models::kComputeKindCount>& row = t.device_by_kind_s.emplace_back();
    for (int k = 0; k < models::kComputeKindCount; ++k) {
      const std::string name(models::compute_kind_name(static_cast<models::ComputeKind>(k)));
      row[static_cast<std::size_t>(k)] = fields.non_negative(kinds, name, step + ".device_by_op_kind_s");
      device_s += row[static_cast<std::size_t>(k)];
    }
  }
  if (!t.expert_rows.empty() && t.expert_rows.size() != steps.size())
    fields.malformed("steps", fmt::format("{} of {} steps give expert_rows", t.expert_rows.size(), steps.size()),
                     "every step or none");
  if (device_s == 0)
    fields.malformed("steps", fmt::format("has no device time (back-end '{}')", t.backend),
                     "a run whose back-end times its kernels on the device (--backend cuda)");
  return t;
}

void check_timings_fit(const sim::Scenario& s, const DeviceTimings& t) {
  auto refuse = [&](const std::string& key, const std::string& problem, const std::string& expected) {
    throw ConfigError(s.where(key), fmt::format("{} ({})", problem, t.file), expected,
                      "compare the run the scenario describes: kernels/gpu-run.sh's model-step trains "
                      "scenarios/validation/reduced-deepseek-v3-h100.yaml's step");
  };
  const std::string precision(models::precision_name(s.job.precision.format));
  if (precision != t.precision)
    refuse("training.precision",
           fmt::format("the timings are of {} GEMMs, the scenario's are {}", t.precision, precision),
           fmt::format("training.precision: {}", t.precision));
  if (s.job.global_batch_sequences != t.sequences)
    refuse("training.global_batch",
           fmt::format("the timings' steps have {} sequences, the scenario's {}", t.sequences,
                       s.job.global_batch_sequences),
           fmt::format("training.global_batch: {}", t.sequences));
  // The model reads length + 1 tokens a sequence, the last one only as a target.
  if (s.job.sequence_length != t.length + 1)
    refuse("training.sequence_length",
           fmt::format("the timings' sequences are {} + 1 tokens, the scenario's {}", t.length, s.job.sequence_length),
           fmt::format("training.sequence_length: {}", t.length + 1));
  const std::string theirs = std::filesystem::path(t.config).filename().string();
  const std::string ours = std::filesystem::path(s.job.model_source).filename().string();
  if (theirs != ours)
    refuse("model.config", fmt::format("the timings are of the model {}, the scenario's is {}", theirs, ours),
           "the config the timings' model was built from");
}

reports::DeviceKernelValidation compare_device_timings(const sim::Scenario& s, const DeviceTimings& t) {
  check_timings_fit(s, t);
  const sim::PricedScenario priced(s);
  // The device's ops of one step (at a step's routing where the file gives it), priced per compute kind.
  std::array<bool, models::kComputeKindCount> fp64{};  // the model's FP64 GEMMs: its head and its router's gate
  // Per kind, the kernel families of its ops that the calibration has no fit of: the roofline prices those ops;
  // and those it has a fit of.
  std::array<std::set<std::string>, models::kComputeKindCount> roofline_families{};
  std::array<std::set<hw::KernelFamily>, models::kComputeKindCount> fitted_families{};
  auto price_step = [&](const std::vector<std::vector<models::Op>>& layers) {
    std::array<double, models::kComputeKindCount> seconds{};
    for (const std::vector<models::Op>& ops : layers)
      for (const models::Op& op : ops) {
        if (!runs_on_the_device(op, t)) continue;
        const auto kind = static_cast<std::size_t>(models::compute_kind_of(op));
        fp64[kind] = fp64[kind] || (op.kind == models::OpKind::kGemm && (op.role == models::OpRole::kRouter ||
                                                                          op.role == models::OpRole::kHead));
        if (const std::optional<hw::KernelFamily> family = hw::kernel_family_of(op); family) {
          if (priced.calibrated && priced.calibrated->is_fitted(*family))
            fitted_families[kind].insert(*family);
          else
            roofline_families[kind].insert(std::string(hw::kernel_family_name(*family)));
        }
        for (const models::Op& call : models::per_group_calls(op))  // one call per expert with rows
          seconds[kind] += priced.full_sms_model.seconds(call) * priced.microbatches;
      }
    return seconds;
  };
  // Per kind, the prediction of each step read, beside that step's measurement. Where the file gives each step's
  // routing, each step is priced at its own: an expert's calls cost about the same at any rows (a small GEMM is one
  // launch-bound wave), so a step's expert time follows how many experts got rows (the 2026-12-04 H200 run: 205 to
  // 493 us a step at BF16), and separate statistics of the two columns (a median of each) would compare different
  // steps wherever one measured step is an outlier (2,141 us in that run: a kernel's first launch, its module loaded
  // inside the timed interval).
  // Indexed as the file's steps; the first, the warm-up, is never read. Without routing, every step is the
  // catalog's balanced one.
  std::vector<std::array<double, models::kComputeKindCount>> predicted_steps(t.device_by_kind_s.size());
  if (t.expert_rows.empty()) {
    std::vector<std::vector<models::Op>> layers;
    for (const sim::StageLayer& layer : sim::stage_layers(priced.plan.stages.at(0), s.job.model))
      layers.push_back(priced.at_full_sms.of(layer.kind).ops.ops);
    std::fill(predicted_steps.begin() + 1, predicted_steps.end(), price_step(layers));
  } else {
    for (std::size_t step = 1; step < t.expert_rows.size(); ++step)
      predicted_steps[step] = price_step(step_ops_at_routing(priced, t.expert_rows[step]));
  }
  if (t.optimizer_on_device) {
    // The step's optimizer term (AdamW over the one device's parameters, then the gradient buffer's zeroing), as
    // `trainsim run` prices it: the same every step.
    const sim::HeldParameters held = sim::held_parameters(priced.plan, 0, priced.at_full_sms, s.job.model);
    const double optimizer_s = sim::optimizer_seconds(s, held, priced.full_sms_model);
    for (std::size_t step = 1; step < predicted_steps.size(); ++step)
      predicted_steps[step][static_cast<std::size_t>(models::ComputeKind::kOptimizer)] = optimizer_s;
  }
  reports::DeviceKernelValidation v;
  v.device = fmt::format("{} ({})", s.cluster.gpu.name, s.cluster.gpu.key);
  std::string precision = t.precision;
  for (char& c : precision) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  v.model = fmt::format("{}, {} x {} tokens a step, {} GEMMs", s.job.model_source, s.job.global_batch_sequences,
                        s.job.sequence_length, precision);
  v.pricing = pricing_of(s);
  v.timings_file = t.file;
  v.experts_at_their_rows = !t.expert_rows.empty();
  v.steps_read = static_cast<int>(t.device_by_kind_s.size()) - 1;
  v.fp8 = s.job.precision.format == models::TrainingPrecision::kFp8Block;
  v.launches_held = t.launches_held;
  v.memory_bound_on_device = t.memory_bound_on_device;
  v.embedding_and_loss_on_device = t.embedding_and_loss_on_device;
  v.optimizer_on_device = t.optimizer_on_device;
  v.routing_on_device = t.routing_on_device;
  // The steps compared: those read whose calls' device times are the device's alone, where any is; else all.
  std::vector<std::size_t> compared;
  for (std::size_t step = 1; step < t.device_by_kind_s.size(); ++step)
    if (t.calls_past_hold[step] == 0) compared.push_back(step);
  v.every_step_spoiled = compared.empty();  // the file holds at least one step read (load_device_timings)
  if (compared.empty())
    for (std::size_t step = 1; step < t.device_by_kind_s.size(); ++step) compared.push_back(step);
  std::vector<double> weight_casts_s;
  for (const std::size_t step : compared) weight_casts_s.push_back(t.weight_casts_s[step]);
  v.weight_casts_s = median(weight_casts_s);
  v.steps_left_out = v.steps_read - static_cast<int>(compared.size());
  for (int k = 0; k < models::kComputeKindCount; ++k) {
    const auto i = static_cast<std::size_t>(k);
    std::vector<reports::PartComparison> steps;  // each step compared beside its own prediction
    const std::string name(models::compute_kind_name(static_cast<models::ComputeKind>(k)));
    for (const std::size_t step : compared)
      steps.push_back({name, predicted_steps[step][i], 0, t.device_by_kind_s[step][i]});
    const reports::PartComparison part = step_of_median_error(steps);
    if (part.predicted_s == 0 && part.measured_s == 0) continue;
    v.kinds.push_back(part);
    if (fp64[i]) v.fp64_kinds.push_back(part.name);
    std::vector<std::string> loose;
    for (const hw::KernelFamily family : fitted_families[i])
      if (const hw::FamilyFit* fit = priced.calibrated->fit_of(family);
          fit && fit->quality.rms_relative_residual > kLooseFit)
        loose.push_back(
            fmt::format("{} {:.1f}%", hw::kernel_family_name(family), 100 * fit->quality.rms_relative_residual));
    if (!loose.empty()) v.loose_fit_kinds.push_back(fmt::format("{} ({})", part.name, fmt::join(loose, ", ")));
    if (!roofline_families[i].empty())
      v.roofline_kinds.push_back(fmt::format("{} ({})", part.name, fmt::join(roofline_families[i], ", ")));
  }
  if (t.memory_bound_on_device && t.embedding_and_loss_on_device && t.routing_on_device && t.optimizer_on_device) {
    // Every op of the step ran on the device: its device work, every kind's kernels and the weight casts, beside
    // every op's price and the optimizer term, in the same steps as the kinds.
    std::vector<reports::PartComparison> steps;
    for (const std::size_t step : compared) {
      reports::PartComparison part{"step", 0, 0, t.weight_casts_s[step]};
      for (std::size_t k = 0; k < static_cast<std::size_t>(models::kComputeKindCount); ++k) {
        part.predicted_s += predicted_steps[step][k];
        part.measured_s += t.device_by_kind_s[step][k];
      }
      steps.push_back(part);
    }
    v.device_step = step_of_median_error(steps);
  }
  return v;
}

}  // namespace trainsim::cli
