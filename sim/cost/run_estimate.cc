// Run totals. Steps in a segment = tokens / (batch x sequence length); GPU-hours = steps x step time x GPUs /
// 3600 per segment, plus the phases given in GPU-hours.
#include "sim/cost/run_estimate.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "models/model_size.h"
#include "sim/scenario/layout_rules.h"

namespace trainsim::sim {
namespace {
constexpr int kRampSegments = 8;

// A checkpoint holds the model state once, whatever the layout: the working weights, the FP32 master copy and
// AdamW's two moments of every parameter (MTP included); gradients are not saved.
double checkpoint_bytes(const TrainingJob& job) {
  const models::ParameterCounts counts = models::count_parameters(job.model);
  const models::OptimizerPrecision& o = job.optimizer;
  return (counts.total + counts.mtp) * (o.weight_bytes + o.master_bytes + 2.0 * o.moment_bytes);
}

// A batch can give fewer micro-batches than the schedule takes (DualPipe wants 2 pp); such steps are priced
// all the same, and the run says so.
void note_schedule_limits(const RunSegment& segment, std::vector<std::string>& notes) {
  const Scenario& s = *segment.scenario;
  const int microbatches = microbatches_per_step(s.layout, segment.global_batch_sequences);
  try {
    check_schedule_request(schedule_request_for(s.layout, microbatches));
  } catch (const ConfigError& e) {
    notes.push_back(fmt::format("{} batch {} ({} micro-batches per pipeline) is below what {} takes ({}); its bubble is "
                                "the published formula's",
                                segment.phase, segment.global_batch_sequences, microbatches,
                                schedule_name(s.layout.schedule), e.expected()));
  }
}

}  // namespace

std::vector<RunSegment> run_segments(const Scenario& s) {
  std::vector<RunSegment> out;
  const TrainingJob& job = s.job;
  const int granularity = s.layout.dp * s.layout.micro_batch_size;
  double ramp_tokens = 0;
  if (job.ramp && job.ramp->from_sequences < job.global_batch_sequences) {
    ramp_tokens = job.ramp->over_tokens;
    for (int i = 0; i < kRampSegments; ++i) {
      const double midpoint = (i + 0.5) / kRampSegments;
      const double batch = job.ramp->from_sequences + midpoint * (job.global_batch_sequences - job.ramp->from_sequences);
      const int rounded = std::max(granularity, static_cast<int>(std::lround(batch / granularity)) * granularity);
      out.push_back(RunSegment{"pre-training", &s, rounded, ramp_tokens / kRampSegments, 0});
    }
  }
  out.push_back(RunSegment{"pre-training", &s, job.global_batch_sequences, job.total_tokens - ramp_tokens, 0});
  for (const TrainingPhase& phase : s.phases) {
    if (!phase.scenario) {
      out.push_back(RunSegment{phase.name, nullptr, 0, 0, phase.given_gpu_hours});
      continue;
    }
    out.push_back(RunSegment{phase.name, phase.scenario.get(), phase.scenario->job.global_batch_sequences,
                             phase.scenario->job.total_tokens, 0});
  }
  return out;
}

StepTiming step_timing(const StepEstimate& step, const hw::ClusterSpec& cluster) {
  return StepTiming{step.step_time_s, gpu_utilisation(step, cluster)};
}

RunEstimate estimate_run(const Scenario& s, const StepTimeAt& step_time) {
  RunEstimate run;
  run.gpus = s.cluster.gpu_count();
  const std::optional<int> switches = scale_out_switches(s.cluster);
  if (!switches) run.notes.push_back("energy: the network's switches are left out (no builder builds this topology)");
  run.energy.pue = s.cluster.power.pue;
  run.energy.switches = switches.value_or(0);
  run.energy.network_known = switches.has_value();
  run.dollars = dollar_rates(s.cluster, run.energy.switches);
  std::map<std::pair<const Scenario*, int>, StepTiming> step_times;
  double modelled_tokens = 0, modelled_mwh = 0;
  for (const RunSegment& segment : run_segments(s)) {
    RunPhase phase;
    phase.phase = segment.phase;
    phase.given_gpu_hours = segment.given_gpu_hours;
    if (segment.scenario != nullptr) {
      const Scenario& scenario = *segment.scenario;
      const auto key = std::pair{segment.scenario, segment.global_batch_sequences};
      if (!step_times.count(key)) {
        step_times[key] = step_time(scenario, segment.global_batch_sequences);
        note_schedule_limits(segment, run.notes);
      }
      phase.sequence_length = scenario.job.sequence_length;
      phase.global_batch_sequences = segment.global_batch_sequences;
      phase.tokens = segment.tokens;
      phase.steps = segment.tokens / (static_cast<double>(segment.global_batch_sequences) * scenario.job.sequence_length);
      phase.step_time_s = step_times[key].step_time_s;
      phase.utilisation = step_times[key].utilisation;
      modelled_tokens += segment.tokens;
    } else {  // work not modelled: assumed as busy as the main training at its full batch
      phase.utilisation = step_time(s, s.job.global_batch_sequences).utilisation;
    }
    const double phase_wall_s = phase.steps * phase.step_time_s + phase.given_gpu_hours * 3600.0 / run.gpus;
    phase.energy_mwh = add_energy(run.energy, cluster_power(s.cluster, run.energy.switches, phase.utilisation), phase_wall_s);
    phase.cost_usd = run.dollars.cost_usd(phase.gpu_hours(run.gpus), phase.energy_mwh);
    if (segment.scenario != nullptr) modelled_mwh += phase.energy_mwh;
    run.steps += phase.steps;
    run.wall_time_s += phase.steps * phase.step_time_s;
    run.gpu_hours += phase.gpu_hours(run.gpus);
    run.given_days += phase.given_gpu_hours / run.gpus / 24.0;
    run.phases.push_back(phase);
  }
  run.energy_mwh = run.energy.facility_mwh();
  run.cost_usd = run.dollars.cost_usd(run.gpu_hours, run.energy_mwh);
  run.energy.mwh_per_trillion_tokens = modelled_mwh / (modelled_tokens / 1e12);
  // Per trillion tokens of the modelled work: the phases given in GPU-hours process no tokens trainsim counts.
  run.gpu_hours_per_trillion_tokens = run.wall_time_s * run.gpus / 3600.0 / (modelled_tokens / 1e12);
  if (s.cluster.failures.enabled && run.wall_time_s > 0)
    run.failures = failure_cost(s.cluster.failures, run.gpus, run.wall_time_s, checkpoint_bytes(s.job));
  return run;
}

RunEstimate estimate_run(const PricedScenario& priced, const Estimate& estimate) {
  const Scenario& main = priced.scenario;
  return estimate_run(main, [&](const Scenario& scenario, int batch) {
    if (&scenario == &main)
      return step_timing(batch == main.job.global_batch_sequences ? estimate.step : estimate_step_at_batch(priced, batch),
                         main.cluster);
    return step_timing(estimate_step_at_batch(PricedScenario(scenario), batch), scenario.cluster);
  });
}

}  // namespace trainsim::sim
