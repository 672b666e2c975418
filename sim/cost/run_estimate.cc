// Run totals. Steps in a span = tokens / (batch x sequence length).
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
}

RunEstimate estimate_run(const PricedScenario& priced, const Estimate& estimate, double ramp_step_scale) {
  const Scenario& s = priced.scenario;
  RunEstimate run;
  const TrainingJob& job = s.job;
  const int granularity = s.layout.dp * s.layout.micro_batch_size;
  std::map<int, double> step_time_by_batch{{job.global_batch_sequences, estimate.step.step_time_s}};
  auto step_time = [&](int batch) {
    auto it = step_time_by_batch.find(batch);
    if (it != step_time_by_batch.end()) return it->second;
    return step_time_by_batch[batch] = estimate_step_at_batch(priced, batch).step_time_s * ramp_step_scale;
  };
  auto add_phase = [&](int batch, double tokens) {
    RunPhase phase{batch, tokens, tokens / (static_cast<double>(batch) * job.sequence_length), step_time(batch)};
    run.phases.push_back(phase);
  };
  double ramp_tokens = 0;
  if (job.ramp && job.ramp->from_sequences < job.global_batch_sequences) {
    ramp_tokens = job.ramp->over_tokens;
    for (int i = 0; i < kRampSegments; ++i) {
      const double midpoint = (i + 0.5) / kRampSegments;
      const double batch = job.ramp->from_sequences + midpoint * (job.global_batch_sequences - job.ramp->from_sequences);
      const int rounded = std::max(granularity, static_cast<int>(std::lround(batch / granularity)) * granularity);
      add_phase(rounded, ramp_tokens / kRampSegments);
    }
  }
  add_phase(job.global_batch_sequences, job.total_tokens - ramp_tokens);
  if (ramp_tokens > 0 && ramp_step_scale != 1.0)
    run.notes.push_back(fmt::format("ramp steps: the closed form at each batch times {:.3f}, the simulated over the "
                                    "closed-form step at the full batch", ramp_step_scale));

  // A ramp batch can give fewer micro-batches than the schedule takes (DualPipe wants 2 pp); such steps are
  // priced with the schedule's formula all the same, and the run says so.
  for (const RunPhase& phase : run.phases) {
    const int microbatches = microbatches_per_step(s.layout, phase.global_batch_sequences);
    try {
      check_schedule_request(schedule_request_for(s.layout, microbatches));
    } catch (const ConfigError& e) {
      run.notes.push_back(fmt::format("ramp batch {} ({} micro-batches per pipeline) is below what {} takes ({}); its "
                                      "bubble is the published formula's",
                                      phase.global_batch_sequences, microbatches, schedule_name(s.layout.schedule),
                                      e.expected()));
    }
  }

  const double gpus = s.cluster.gpu_count();
  for (const RunPhase& phase : run.phases) {
    run.steps += phase.steps;
    run.wall_time_s += phase.steps * phase.step_time_s;
  }
  run.gpu_hours = run.wall_time_s * gpus / 3600.0;
  run.cost_usd = run.wall_time_s * gpus * s.cluster.price_usd_per_gpu_s;
  run.energy_mwh = run.wall_time_s * gpus * s.cluster.gpu.power_w / 3.6e9;
  run.gpu_hours_per_trillion_tokens = run.gpu_hours / (job.total_tokens / 1e12);
  if (s.cluster.failures.enabled && run.wall_time_s > 0)
    run.failures = failure_cost(s.cluster.failures, s.cluster.gpu_count(), run.wall_time_s, checkpoint_bytes(job));
  return run;
}

}  // namespace trainsim::sim
