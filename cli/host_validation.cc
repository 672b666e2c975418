// The host's half of `trainsim validate` (see host_validation.h).
#include "cli/host_validation.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <filesystem>
#include <stdexcept>

#include "core/error.h"
#include "core/median.h"
#include "hardware/calibration_sweep.h"
#include "hardware/host_device.h"
#include "kernels/calibration/host_calibration.h"
#include "kernels/model/corpus_training.h"
#include "kernels/model/token_stream.h"
#include "models/compute_kind.h"
#include "sim/step/data_parallel.h"
#include "sim/step/priced_model.h"
#include "sim/step/priced_scenario.h"
#include "sim/step/step_estimate.h"

namespace trainsim::cli {
namespace {

namespace model = kernels::model;

// The plan's call as the host driver reads it (kernels/calibration/calibration_call.h).
kernels::CalibrationCall host_call(const hw::KernelCall& k) {
  kernels::CalibrationCall c;
  c.id = k.id;
  c.family = std::string(hw::kernel_family_name(k.family));
  c.op = std::string(models::op_kind_name(k.op));
  c.dtype = std::string(models::dtype_name(k.dtype));
  c.pass = std::string(models::pass_name(k.pass));
  c.sms = k.sms;
  const std::pair<const char*, std::int64_t*> dims[] = {
      {"m", &c.m},         {"n", &c.n},         {"k", &c.k},           {"groups", &c.groups},
      {"batch", &c.batch}, {"heads", &c.heads}, {"seq_q", &c.seq_q},   {"seq_kv", &c.seq_kv},
      {"head_dim", &c.head_dim}, {"value_dim", &c.value_dim}, {"bytes", &c.bytes}};
  for (const auto& [name, field] : dims) *field = k.dim(name);
  c.ops = k.ops;
  return c;
}

std::string today() {
  const auto days = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  const std::chrono::year_month_day ymd(days);
  return fmt::format("{:04d}-{:02d}-{:02d}", int(ymd.year()), unsigned(ymd.month()), unsigned(ymd.day()));
}

// The scenario's kernel calls on the host: each distinct shape once (the plan's calls at its full count, no
// sweep), since a calibration of points reads nothing between them.
std::vector<hw::KernelCall> scenario_shapes(const sim::Scenario& scenario) {
  // The catalog's ops and shapes do not depend on their prices.
  struct Unpriced final : hw::OpTimeModel {
    double seconds(const models::Op&) const override { return 0; }
  };
  const sim::PricedModel model = sim::price_model(scenario, Unpriced{});
  const std::vector<models::LayerOps> layers{model.embedding.ops, model.dense.ops, model.moe.ops, model.head.ops,
                                             model.mtp.ops};
  const std::vector<int> sms{scenario.cluster.gpu.sm_count};
  std::vector<hw::KernelCall> shapes;
  for (hw::KernelCall& c : hw::calibration_sweep(layers, sms))
    if (c.sweep.empty()) shapes.push_back(std::move(c));
  return shapes;
}

// Per compute kind, the forward's and the backward's (Bi, W and recomputation) predicted seconds of the one
// device's step: every op of every layer the device holds, as priced, times the micro-batches.
using PassSeconds = std::array<std::array<double, 2>, models::kComputeKindCount>;
PassSeconds predicted_by_pass(const sim::PricedScenario& priced) {
  PassSeconds out{};
  const sim::Scenario& s = priced.scenario;
  for (const sim::StageLayer& layer : sim::stage_layers(priced.plan.stages.at(0), s.job.model))
    for (const models::Op& op : priced.at_full_sms.of(layer.kind).ops.ops) {
      if (op.is_communication()) continue;
      const std::size_t pass = op.pass == models::Pass::kForward && !op.recomputed ? 0 : 1;
      out[static_cast<std::size_t>(models::compute_kind_of(op))][pass] +=
          priced.full_sms_model.seconds(op) * priced.microbatches;
    }
  return out;
}

}  // namespace

model::ModelConfig host_model_config(const sim::Scenario& scenario) {
  const std::string& source = scenario.job.model_source;
  if (source.rfind("preset ", 0) == 0 || source == "inline fields")
    throw ConfigError(scenario.where("model"), fmt::format("the model is {}", source),
                      "model.config: the reduced model's config.json (kernels/model/configs/)",
                      "the host trains the reduced DeepSeek-V3 from the config file the simulator reads");
  std::filesystem::path path = source;
  if (path.is_relative()) path = std::filesystem::path(scenario.source).parent_path() / path;
  try {
    return model::load_model_config(path.string());
  } catch (const std::exception& e) {
    throw ConfigError(scenario.where("model.config"), e.what(), "a config the reduced DeepSeek-V3 can build");
  }
}

HostLoop run_host_loop(const sim::Scenario& scenario, const model::ModelConfig& config, const HostLoopOptions& options,
                       const HostProgress& progress) {
  const std::vector<hw::KernelCall> shapes = scenario_shapes(scenario);
  // A shape stands for each of its ops on its own: on the host each runs the model's own code for it, and two ops
  // of one shape may run different code (a RoPE and a SwiGLU's backward of equal bytes; a forward GEMM and a
  // Dgrad of equal m, n, k, which transposes its operands; the output head, kept at FP64).
  std::vector<hw::KernelCall> calls;
  for (const hw::KernelCall& k : shapes) {
    for (const std::string& name : k.ops) {
      calls.push_back(k);
      calls.back().ops = {name};
    }
  }
  std::vector<kernels::HostKernel> kernels;  // inputs prepared once, kept through every round
  for (const hw::KernelCall& k : calls) {
    try {
      kernels.push_back(kernels::host_kernel(host_call(k), config));
    } catch (const std::invalid_argument& e) {
      throw ConfigError(scenario.where("model.config"),
                        fmt::format("the host cannot run {} ({}): {}", k.id, fmt::join(k.ops, ", "), e.what()),
                        "a scenario whose kernels the reduced model's CPU back-end runs");
    }
  }
  std::size_t parameters = 0;
  kernels.push_back(kernels::host_optimizer(config, parameters));

  // Round r times every call once, then trains steps_per_round steps; the first step, before round 1, warms up.
  std::vector<std::vector<double>> rounds(kernels.size()), cold_rounds(kernels.size());  // per call, each round's
  const int steps = 1 + options.rounds * options.steps_per_round;
  int done = 0;
  const int work = options.rounds * static_cast<int>(kernels.size()) + steps;
  auto time_round = [&] {
    for (std::size_t i = 0; i < kernels.size(); ++i) {
      if (progress) progress(done++, work, i < calls.size() ? calls[i].id : "optimizer");
      rounds[i].push_back(kernels::median_seconds(kernels[i].run, options.samples, options.batch) /
                          kernels[i].loops_per_run);
      cold_rounds[i].push_back(kernels::cold_median_seconds(kernels[i].run, options.cold_samples) /
                               kernels[i].loops_per_run);
    }
  };
  const model::TokenStream stream =
      model::TokenStream::from_directory(model::kFortunesDirectory, 0.1, model::kFortunesPackage);
  model::OpTimer timer;
  model::CorpusTrainingConfig training;
  training.steps = steps;
  training.sequences = scenario.job.global_batch_sequences;
  // The model reads length + 1 tokens a sequence (the last one only as a target): the scenario's sequence_length.
  training.length = scenario.job.sequence_length - 1;
  training.seed = scenario.seed;
  training.precision = model::GemmPrecision::kBF16;
  training.eval_every = steps;  // before the first step and after the last, untimed
  training.eval_sequences = 4;
  training.op_timer = &timer;
  const model::CorpusTrainingResult trained =
      model::train_on_corpus(config, stream, training, [&](const model::TrainingStepRecord& r) {
        if (progress) progress(done++, work, "training");
        if (r.step % options.steps_per_round == 0 && r.step / options.steps_per_round < options.rounds) time_round();
      });
  if (progress) progress(work, work, "");

  auto calibration = [&](const std::vector<std::vector<double>>& times, const char* caches) {
    hw::Calibration c;
    c.file = fmt::format("the host calibration of {} ({} caches)", scenario.source, caches);
    c.law = hw::CalibrationLaw::kPoints;
    c.device.gpu = hw::kHostGpuKey;
    c.device.name = scenario.cluster.gpu.name;
    c.device.sm_count = scenario.cluster.gpu.sm_count;
    c.device.boost_clock_hz = scenario.cluster.gpu.boost_clock_hz;
    c.device.driver = "none";
    c.device.cuda = "none";
    c.source.kind = hw::CalibrationSourceKind::kKernels;
    c.source.date = today();
    c.source.description = fmt::format(
        "the CPU back-end of the reduced DeepSeek-V3 (kernels/calibration/host_calibration.h) timed one call at a "
        "time on {} threads, on {} caches: the {} kernel shapes of {}, each once per op it stands for ({} calls), "
        "and the optimizer step; each the median of {} rounds between training steps",
        c.device.sm_count, caches, shapes.size(), scenario.source, calls.size(), options.rounds);
    for (std::size_t i = 0; i < calls.size(); ++i) {
      const hw::KernelCall& k = calls[i];
      hw::MeasuredPoint p;
      p.op = k.op;
      p.dtype = k.dtype;
      p.pass = k.pass;
      p.shape = k.shape;
      p.sm_count = k.sms;
      p.seconds = median(times[i]);
      p.note = fmt::format("{}: {} ({})", k.id, fmt::join(k.ops, ", "), kernels[i].kernel);
      p.catalog_op = k.ops.front();
      c.points.push_back(std::move(p));
    }
    c.optimizer = hw::MeasuredOptimizer{
        static_cast<double>(parameters) * sim::optimizer_bytes_per_parameter(scenario.job.optimizer),
        median(times.back())};
    return c;
  };
  HostLoop loop;
  loop.calibration = calibration(rounds, "warm");
  loop.cold_calibration = calibration(cold_rounds, "cold");
  loop.steps.assign(timer.steps().begin() + 1, timer.steps().end());
  loop.initial_validation_loss = trained.initial_validation_loss;
  loop.final_validation_loss = trained.steps.back().validation_loss.value_or(0);
  return loop;
}

sim::Scenario with_calibration(const sim::Scenario& scenario, const hw::Calibration& calibration) {
  sim::Scenario calibrated = scenario;
  calibrated.cluster.calibration = std::make_shared<const hw::Calibration>(calibration);
  return calibrated;
}

reports::DeviceValidation compare_host_loop(const sim::Scenario& scenario, const HostLoop& loop) {
  const sim::Scenario warm_scenario = with_calibration(scenario, loop.calibration);  // PricedScenario refers to it
  const sim::PricedScenario priced(warm_scenario);
  const sim::StepEstimate warm = sim::estimate_step(priced).step;
  const sim::StepEstimate cold = sim::estimate_step(with_calibration(scenario, loop.cold_calibration)).step;
  const PassSeconds warm_by_pass = predicted_by_pass(priced);

  std::array<std::vector<double>, models::kComputeKindCount> kind_samples;
  std::array<std::array<std::vector<double>, 2>, models::kComputeKindCount> pass_samples;
  std::vector<double> wall_samples, untimed_samples;
  for (const model::StepTiming& step : loop.steps) {
    double timed_s = 0;
    for (std::size_t k = 0; k < kind_samples.size(); ++k) {
      kind_samples[k].push_back(1e-9 * static_cast<double>(step.kind_ns[k]));
      timed_s += kind_samples[k].back();
    }
    std::array<std::array<double, 2>, models::kComputeKindCount> by_pass{};
    for (const model::TimedOp& op : step.ops)
      by_pass[static_cast<std::size_t>(op.kind)][op.pass == model::Pass::kForward ? 0 : 1] +=
          1e-9 * static_cast<double>(op.duration_ns);
    for (std::size_t k = 0; k < by_pass.size(); ++k)
      for (std::size_t p = 0; p < 2; ++p) pass_samples[k][p].push_back(by_pass[k][p]);
    wall_samples.push_back(1e-9 * static_cast<double>(step.wall_ns));
    untimed_samples.push_back(wall_samples.back() - timed_s);
  }
  auto kind_of = [](const sim::StepEstimate& e, const std::string& name) {
    const auto it = e.compute_by_kind_s.find(name);
    return it == e.compute_by_kind_s.end() ? 0.0 : it->second;
  };

  reports::DeviceValidation v;
  v.date = loop.calibration.source.date;
  v.device = fmt::format("{} (the host, {} threads)", scenario.cluster.gpu.name, scenario.cluster.gpu.sm_count);
  v.model = fmt::format("{}, {} x {} tokens a step, BF16 GEMMs", scenario.job.model_source,
                        scenario.job.global_batch_sequences, scenario.job.sequence_length);
  v.shapes_timed = static_cast<int>(loop.calibration.points.size());
  v.steps_read = static_cast<int>(loop.steps.size());
  reports::PartComparison compute{"compute", 0, 0, 0};
  for (int k = 0; k < models::kComputeKindCount; ++k) {
    const auto kind = static_cast<models::ComputeKind>(k);
    if (kind == models::ComputeKind::kOptimizer) continue;
    const std::string name(models::compute_kind_name(kind));
    const reports::PartComparison part{name, kind_of(warm, name), kind_of(cold, name),
                                       median(kind_samples[static_cast<std::size_t>(k)])};
    if (part.predicted_s == 0 && part.measured_s == 0) continue;
    v.kinds.push_back(part);
    const std::size_t i = static_cast<std::size_t>(k);
    v.kinds_by_pass.push_back({name,
                               {name + " F", warm_by_pass[i][0], 0, median(pass_samples[i][0])},
                               {name + " B", warm_by_pass[i][1], 0, median(pass_samples[i][1])}});
    compute.predicted_s += part.predicted_s;
    compute.predicted_cold_s += part.predicted_cold_s;
    compute.measured_s += part.measured_s;
  }
  v.compute = compute;
  v.optimizer = {"optimizer", warm.optimizer_s, cold.optimizer_s,
                 median(kind_samples[static_cast<std::size_t>(models::ComputeKind::kOptimizer)])};
  v.step = {"step", warm.step_time_s, cold.step_time_s, median(wall_samples)};
  v.measured_untimed_s = median(untimed_samples);
  const hw::MeasuredOptimizer& optimizer = *loop.calibration.optimizer;
  const double bytes_per_parameter = sim::optimizer_bytes_per_parameter(scenario.job.optimizer);
  v.model_parameters = optimizer.bytes / bytes_per_parameter;
  v.simulator_parameters = warm.optimizer_s / optimizer.seconds * optimizer.bytes / bytes_per_parameter;
  v.initial_validation_loss = loop.initial_validation_loss;
  v.final_validation_loss = loop.final_validation_loss;
  return v;
}

}  // namespace trainsim::cli
