// The rules a parallel layout must satisfy against the model, the batch and the cluster; each violation
// is a ConfigError at the key the user wrote (parallelism.ep, parallelism.pp, ...).
#pragma once
#include <optional>
#include <string>

#include "sim/scenario/scenario.h"
#include "sim/schedules/schedule_request.h"

namespace trainsim::sim {

// Micro-batches per pipeline per step at a global batch of `global_batch_sequences`.
int microbatches_per_step(const ParallelLayout& layout, int global_batch_sequences);

// The schedule request a layout makes: the executor counts model stages (DualPipeV: 2 pp on pp devices),
// except interleaving, which counts devices and virtual stages.
ScheduleRequest schedule_request_for(const ParallelLayout& layout, int microbatches);

// dp when the scenario leaves it out: GPUs / (pp x tp x cp), as ep is drawn from dp x tp x cp. A ConfigError at
// parallelism.dp where pp x tp does not divide the GPU count.
void derive_data_parallel(Scenario& scenario);

void check_layout_rules(const Scenario& scenario);

// Why Megatron-Core would refuse the layout's EP all-to-all overlap (transformer_config.py: expert parallelism,
// virtual pipeline stages where pp > 1, no full recomputation; DualPipe pairs without being asked), as the rule at
// parallelism.ep_overlap reports it; nothing where it runs or is not asked for. `trainsim plan` tries it by the same
// rule.
struct LayoutRefusal {
  std::string problem, expected, hint;
};
std::optional<LayoutRefusal> ep_overlap_refusal(const ParallelLayout& layout);

}  // namespace trainsim::sim
