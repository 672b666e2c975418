// The host's half of `trainsim validate` (see host_validation.h).
#include "cli/host_validation.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <filesystem>
#include <optional>
#include <set>
#include <tuple>
#include <stdexcept>

#include "cli/routed_step_ops.h"
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

// The calls a step's own routing needs beyond the balanced step's `shapes`: each routed grouped GEMM of the MoE layer
// as one expert's call at each of `expert_rows` (the catalog's own op, built with every expert at that count;
// models::GemmDims::group), and the other routed ops (permutes, the experts' activation) at each of `routed_rows`, a
// layer's rows in all (the MTP module's: its sequences less their last token). Each names the op it stands for: the
// host runs each routed expert's GEMMs as calls of their own, so a step's experts are priced by these
// (hw::MeasuredPoints).
std::vector<hw::KernelCall> routed_calls(const sim::Scenario& scenario, const std::vector<hw::KernelCall>& shapes,
                                         const std::set<std::int64_t>& expert_rows,
                                         const std::set<std::int64_t>& routed_rows) {
  std::vector<hw::KernelCall> calls;
  const models::ModelConfig& m = scenario.job.model;
  if (!m.is_moe()) return calls;
  // A call is known by its op and kernel shape; the balanced step's are known before any is added.
  using Key = std::tuple<std::string, std::string, std::vector<std::pair<std::string, long long>>>;
  auto key = [](const hw::KernelCall& call, const std::string& op_name) {
    std::vector<std::pair<std::string, long long>> dims;
    for (const hw::ShapeDim& d : call.shape) dims.emplace_back(d.name, d.size);
    return Key{op_name, std::string(hw::kernel_family_name(call.family)), std::move(dims)};
  };
  std::set<Key> known;
  for (const hw::KernelCall& k : shapes)
    for (const std::string& name : k.ops) known.insert(key(k, name));
  auto add = [&](hw::KernelCall call, const std::string& op_name, const std::string& id) {
    if (!known.insert(key(call, op_name)).second) return;
    call.id = id;
    call.sms = scenario.cluster.gpu.sm_count;
    call.ops = {op_name};
    calls.push_back(std::move(call));
  };

  models::OpContext context = sim::op_context(scenario);
  const auto local_experts = static_cast<std::size_t>(m.moe.routed_experts / context.ep);
  auto routed_ops = [&](std::vector<std::int64_t> rows_by_expert) {
    context.routed_rows_by_expert = std::move(rows_by_expert);
    return models::build_layer_ops(m, models::LayerKind::kMoe, context).ops;
  };
  for (const std::int64_t rows : expert_rows)
    for (const models::Op& op : routed_ops(std::vector<std::int64_t>(local_experts, rows))) {
      const auto* dims = std::get_if<models::GemmDims>(&op.shape);
      if (dims == nullptr || !dims->uneven()) continue;
      models::Op one = op;
      one.shape = dims->group(0);
      const std::optional<hw::KernelCall> call = hw::kernel_call_of(one);
      TS_CHECK(call.has_value(), "routed expert op '{}' gives no kernel call", op.name);
      add(*call, op.name, fmt::format("{}.expert.{}rows", op.name, rows));
    }
  for (const std::int64_t rows : routed_rows) {
    std::vector<std::int64_t> split(local_experts, 0);  // the other routed ops read only the rows in all
    split.front() = rows;
    for (const models::Op& op : routed_ops(std::move(split))) {
      if (!op.routed || std::holds_alternative<models::GemmDims>(op.shape)) continue;
      if (const std::optional<hw::KernelCall> call = hw::kernel_call_of(op))
        add(*call, op.name, fmt::format("{}.{}rows", op.name, rows));
    }
  }
  return calls;
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

// Per compute kind and pass, what one step's routing adds to the balanced prediction: the step's ops at the rows
// the model's experts computed in it (routed_step_ops.h), less the same step at the balanced share.
PassSeconds routing_difference(const sim::PricedScenario& priced,
                               const std::vector<std::vector<std::int64_t>>& rows_by_block) {
  PassSeconds routed{}, balanced{};
  auto add = [&](const std::vector<models::Op>& ops, PassSeconds& out) {
    for (const models::Op& op : ops) {
      if (op.is_communication()) continue;
      const std::size_t pass = op.pass == models::Pass::kForward && !op.recomputed ? 0 : 1;
      out[static_cast<std::size_t>(models::compute_kind_of(op))][pass] +=
          priced.full_sms_model.seconds(op) * priced.microbatches;
    }
  };
  for (const std::vector<models::Op>& ops : step_ops_at_routing(priced, rows_by_block)) add(ops, routed);
  for (const sim::StageLayer& layer : sim::stage_layers(priced.plan.stages.at(0), priced.scenario.job.model))
    add(priced.at_full_sms.of(layer.kind).ops.ops, balanced);
  PassSeconds out{};  // the sums apart, then their difference: exactly 0 for a kind the routing leaves alone
  for (std::size_t k = 0; k < out.size(); ++k)
    for (std::size_t p = 0; p < 2; ++p) out[k][p] = routed[k][p] - balanced[k][p];
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
  const int steps = 1 + options.rounds * options.steps_per_round;
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

  // The model's routing of every step, learnt first from an untimed run of the same seed: the timed run routes
  // the same rows (the op timer and the calls between steps change no bit of the model; checked below), and each
  // routed expert's GEMMs are timed at every row count the steps read give it.
  std::vector<std::vector<std::vector<std::int64_t>>> routing;
  (void)model::train_on_corpus(config, stream, training, [&](const model::TrainingStepRecord& r) {
    if (progress) progress(static_cast<int>(routing.size()), steps, "routing");
    routing.push_back(r.expert_rows);
  });
  std::set<std::int64_t> expert_rows, routed_rows;
  for (std::size_t step = 1; step < routing.size(); ++step)
    for (const std::vector<std::int64_t>& block : routing[step]) {
      std::int64_t sum = 0;
      for (const std::int64_t rows : block) {
        if (rows > 0) expert_rows.insert(rows);
        sum += rows;
      }
      routed_rows.insert(sum);
    }

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
  const std::vector<hw::KernelCall> routing_calls = routed_calls(scenario, shapes, expert_rows, routed_rows);
  calls.insert(calls.end(), routing_calls.begin(), routing_calls.end());
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
  kernels.push_back(kernels::host_gradient_zeroing(config));
  const std::size_t optimizer_call = calls.size(), zeroing_call = calls.size() + 1;

  // Round r times every call once, then trains steps_per_round steps; the first step, before round 1, warms up.
  std::vector<std::vector<double>> rounds(kernels.size()), cold_rounds(kernels.size());  // per call, each round's
  int done = steps;  // the untimed run's
  const int work = options.rounds * static_cast<int>(kernels.size()) + 2 * steps;
  auto time_round = [&] {
    for (std::size_t i = 0; i < kernels.size(); ++i) {
      if (progress)
        progress(done++, work, i < calls.size() ? calls[i].id : i == optimizer_call ? "optimizer" : "gradient zeroing");
      rounds[i].push_back(kernels::median_seconds(kernels[i].run, options.samples, options.batch) /
                          kernels[i].loops_per_run);
      cold_rounds[i].push_back(kernels::cold_median_seconds(kernels[i].run, options.cold_samples) /
                               kernels[i].loops_per_run);
    }
  };
  training.op_timer = &timer;
  const model::CorpusTrainingResult trained =
      model::train_on_corpus(config, stream, training, [&](const model::TrainingStepRecord& r) {
        if (progress) progress(done++, work, "training");
        TS_CHECK(r.expert_rows == routing.at(static_cast<std::size_t>(r.step)),
                 "step {} routed other rows than the same seed's untimed run", r.step);
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
        "the optimizer step and the gradient zeroing; each the median of {} rounds between training steps",
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
    c.optimizer = hw::MeasuredPass{
        static_cast<double>(parameters) * sim::optimizer_bytes_per_parameter(scenario.job.optimizer),
        median(times[optimizer_call])};
    c.gradient_zeroing = hw::MeasuredPass{static_cast<double>(parameters) * scenario.job.optimizer.gradient_bytes,
                                          median(times[zeroing_call])};
    return c;
  };
  HostLoop loop;
  loop.calibration = calibration(rounds, "warm");
  loop.cold_calibration = calibration(cold_rounds, "cold");
  loop.steps.assign(timer.steps().begin() + 1, timer.steps().end());
  loop.expert_rows.assign(routing.begin() + 1, routing.end());
  loop.routed_calls = static_cast<int>(routing_calls.size());
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
  // PricedScenario refers to its scenario.
  const sim::Scenario warm_scenario = with_calibration(scenario, loop.calibration);
  const sim::Scenario cold_scenario = with_calibration(scenario, loop.cold_calibration);
  const sim::PricedScenario priced(warm_scenario), priced_cold(cold_scenario);
  const sim::StepEstimate warm = sim::estimate_step(priced).step;
  const sim::StepEstimate cold = sim::estimate_step(priced_cold).step;
  const PassSeconds warm_by_pass = predicted_by_pass(priced);

  // Each step read predicted at its own routing: the balanced prediction plus what the step's routing changes.
  std::array<std::vector<double>, models::kComputeKindCount> warm_kind_steps, cold_kind_steps;
  std::array<std::array<std::vector<double>, 2>, models::kComputeKindCount> warm_pass_steps;
  std::vector<double> warm_step_steps, cold_step_steps;
  for (const std::vector<std::vector<std::int64_t>>& rows : loop.expert_rows) {
    const PassSeconds warm_change = routing_difference(priced, rows);
    const PassSeconds cold_change = routing_difference(priced_cold, rows);
    double warm_sum = 0, cold_sum = 0;
    for (std::size_t k = 0; k < warm_change.size(); ++k) {
      warm_kind_steps[k].push_back(warm_change[k][0] + warm_change[k][1]);
      cold_kind_steps[k].push_back(cold_change[k][0] + cold_change[k][1]);
      for (std::size_t p = 0; p < 2; ++p) warm_pass_steps[k][p].push_back(warm_change[k][p]);
      warm_sum += warm_kind_steps[k].back();
      cold_sum += cold_kind_steps[k].back();
    }
    warm_step_steps.push_back(warm_sum);
    cold_step_steps.push_back(cold_sum);
  }
  // The mean of the steps' changes (the predictions carry no noise to leave out, and a mean keeps the one-device
  // law: the step's is the sum of its kinds'); none where no step was read.
  auto mean_change = [](const std::vector<double>& changes) {
    double sum = 0;
    for (const double c : changes) sum += c;
    return changes.empty() ? 0.0 : sum / static_cast<double>(changes.size());
  };

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
    const std::size_t i = static_cast<std::size_t>(k);
    const reports::PartComparison part{name, kind_of(warm, name) + mean_change(warm_kind_steps[i]),
                                       kind_of(cold, name) + mean_change(cold_kind_steps[i]),
                                       median(kind_samples[i])};
    if (part.predicted_s == 0 && part.measured_s == 0) continue;
    v.kinds.push_back(part);
    if (part.predicted_s != kind_of(warm, name)) v.balanced_kinds_s.emplace_back(name, kind_of(warm, name));
    v.kinds_by_pass.push_back(
        {name,
         {name + " F", warm_by_pass[i][0] + mean_change(warm_pass_steps[i][0]), 0, median(pass_samples[i][0])},
         {name + " B", warm_by_pass[i][1] + mean_change(warm_pass_steps[i][1]), 0, median(pass_samples[i][1])}});
    compute.predicted_s += part.predicted_s;
    compute.predicted_cold_s += part.predicted_cold_s;
    compute.measured_s += part.measured_s;
  }
  v.compute = compute;
  v.optimizer = {"optimizer", warm.optimizer_s, cold.optimizer_s,
                 median(kind_samples[static_cast<std::size_t>(models::ComputeKind::kOptimizer)])};
  v.step = {"step", warm.step_time_s + mean_change(warm_step_steps), cold.step_time_s + mean_change(cold_step_steps),
            median(wall_samples)};
  v.balanced_step_s = warm.step_time_s;
  v.routed_calls = loop.routed_calls;
  v.measured_untimed_s = median(untimed_samples);
  // Both passes were measured over the model's parameters, and the simulator charges each its bytes per parameter
  // of its own count: the optimizer term is that count times the two passes' time per model parameter.
  const hw::MeasuredPass& optimizer = *loop.calibration.optimizer;
  const double bytes_per_parameter = sim::optimizer_bytes_per_parameter(scenario.job.optimizer);
  v.model_parameters = optimizer.bytes / bytes_per_parameter;
  v.simulator_parameters =
      warm.optimizer_s / (optimizer.seconds + loop.calibration.gradient_zeroing->seconds) * v.model_parameters;
  v.initial_validation_loss = loop.initial_validation_loss;
  v.final_validation_loss = loop.final_validation_loss;
  return v;
}

}  // namespace trainsim::cli
