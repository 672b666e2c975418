// Memory per GPU of a priced scenario (memory_estimate.h).
#include "sim/step/memory_estimate.h"

#include <fmt/format.h>

#include <memory>
#include <vector>

#include "core/error.h"
#include "core/units.h"
#include "hardware/gpu_catalog.h"
#include "sim/scenario/layout_rules.h"
#include "sim/schedules/schedule_kind.h"
#include "sim/schedules/schedule_run.h"
#include "sim/step/priced_model.h"

namespace trainsim::sim {

// The changes that would lower memory per GPU and are not already in place, as the memory model counts them
// (models/memory_model.cc): full recompute keeps only layer inputs; more pp or tp splits the layers; more ep
// splits the experts (an MoE model only, a divisor of the experts and of dp x tp x cp); ZeRO 3 shards weights,
// gradients and optimizer states over the data-parallel replicas (none when there is one); a GPU with more HBM.
std::string memory_hint(const Scenario& s) {
  const ParallelLayout& l = s.layout;
  const models::ModelConfig& m = s.job.model;
  std::vector<std::string> options;
  if (l.recompute != models::Recompute::kFull) options.push_back("recompute more (recompute: full)");
  if (l.stage_count() < m.num_layers) options.push_back(fmt::format("raise pp (now {})", l.pp));
  for (int tp = l.tp + 1; tp <= s.cluster.gpus_per_node; ++tp)
    if (m.num_heads % tp == 0 && m.num_kv_heads % tp == 0) {
      options.push_back(fmt::format("raise tp (now {})", l.tp));
      break;
    }
  if (m.is_moe())
    for (int ep = l.ep + 1; ep <= l.dp * l.model_parallel(); ++ep)
      if (m.moe.routed_experts % ep == 0 && (l.dp * l.model_parallel()) % ep == 0) {
        options.push_back(fmt::format("raise ep (now {})", l.ep));
        break;
      }
  if (l.zero_stage < 3 && (l.weight_replicas() > 1 || l.expert_data_parallel() > 1))
    options.push_back(fmt::format("raise zero_stage (now {}; 3 shards weights too)", l.zero_stage));
  for (const hw::GpuSpec& gpu : hw::gpu_catalog())
    if (gpu.hbm_capacity_bytes > s.cluster.gpu.hbm_capacity_bytes) {
      options.push_back("pick a GPU with more memory");
      break;
    }
  std::string hint;
  for (size_t i = 0; i < options.size(); ++i)
    hint += (i == 0 ? "" : i + 1 == options.size() ? ", or " : ", ") + options[i];
  return hint;
}

namespace {

// ZeRO-3 / FSDP gathers one layer's parameters at a time: the largest layer this device holds, its TP and
// EP share (the embedding, a transformer layer, the output head or an MTP module).
double largest_layer_parameters(const PricedScenario& p, const std::vector<int>& stages) {
  double largest = 0;
  for (int stage : stages)
    for (const StageLayer& layer : stage_layers(p.plan.stages[static_cast<std::size_t>(stage)], p.scenario.job.model)) {
      const models::LayerOps& ops = p.at_full_sms.of(layer.kind).ops;
      largest = std::max(largest, ops.parameters + ops.expert_parameters);
    }
  return largest;
}

}  // namespace

MemoryEstimate estimate_memory(const PricedScenario& p, int microbatches) {
  const Scenario& s = p.scenario;
  const ParallelLayout& l = s.layout;
  // Activations in flight at each device's peak, in chunks of one model stage for one micro-batch, from
  // executing the schedule itself: the counts follow from each rank's op order, not from the chunk times.
  const std::shared_ptr<const ResolvedSchedule> resolved = p.schedule_at(microbatches);
  // A plan stage of an interleaved layout is a v-th of the executor's chunk.
  const double plan_stages_per_chunk = l.schedule == ScheduleKind::kInterleaved ? l.virtual_stages : 1;
  MemoryEstimate out;
  for (std::size_t d = 0; d < p.plan.device_stages.size(); ++d) {
    models::MemoryInputs in;
    double activation_bytes = 0;
    for (int stage : p.plan.device_stages[d]) {
      const StageTotals t = stage_totals(p.plan.stages[static_cast<std::size_t>(stage)], p.at_full_sms, s.job.model);
      in.parameters += t.parameters;
      in.expert_parameters += t.expert_parameters;
      activation_bytes += t.saved_bytes / static_cast<double>(p.plan.device_stages[d].size());
    }
    in.data_parallel = l.weight_replicas();
    in.expert_data_parallel = l.expert_data_parallel();
    in.zero_stage = l.zero_stage;
    in.precision = s.job.optimizer;
    in.activation_bytes = activation_bytes * plan_stages_per_chunk * resolved->dependencies.peak_activations(static_cast<int>(d));
    in.runtime_reserved_bytes = s.cluster.memory_reserve_bytes;  // cluster.memory_reserve
    in.largest_layer_parameters = largest_layer_parameters(p, p.plan.device_stages[d]);
    models::MemoryBreakdown breakdown = models::memory_per_gpu(in);
    if (d == 0 || breakdown.total_bytes() > out.breakdown.total_bytes()) {
      out.device = static_cast<int>(d);
      out.breakdown = std::move(breakdown);
    }
  }
  out.capacity_bytes = s.cluster.gpu.hbm_capacity_bytes;
  return out;
}

std::optional<MemoryEstimate> memory_under_schedule(const Scenario& scenario, const ScheduleRequest& request) {
  if (devices_for_stages(request.kind, request.pp) != scenario.layout.pp) return std::nullopt;
  Scenario s = scenario;
  s.layout.schedule = request.kind;
  s.layout.virtual_stages = request.kind == ScheduleKind::kInterleaved ? request.virtual_stages : 1;
  if (s.layout.stage_count() != scenario.layout.stage_count()) s.layout.layers_per_stage.clear();
  try {
    check_schedule_request(schedule_request_for(s.layout, request.microbatches));
    const PricedScenario priced(s);
    return estimate_memory(priced, request.microbatches);
  } catch (const ConfigError&) {
    return std::nullopt;
  }
}

std::string memory_excess_note(const MemoryEstimate& m) {
  return fmt::format("memory: needs {} of {}: {} over (pipeline device {}: {}); priced all the same (--allow-oom)",
                     format_quantity(m.breakdown.total_bytes(), Dimension::kBytes),
                     format_quantity(m.capacity_bytes, Dimension::kBytes),
                     format_quantity(m.over_capacity_bytes(), Dimension::kBytes), m.device, m.breakdown.largest_terms(3));
}

}  // namespace trainsim::sim
