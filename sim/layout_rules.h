// The rules a parallel layout must satisfy against the model, the batch and the cluster; each violation
// is a ConfigError at the key the user wrote (parallelism.ep, parallelism.pp, ...).
#pragma once
#include "sim/scenario.h"

namespace trainsim::sim {

// Micro-batches per pipeline per step at a global batch of `global_batch_sequences`.
int microbatches_per_step(const ParallelLayout& layout, int global_batch_sequences);

void check_layout_rules(const Scenario& scenario);

}  // namespace trainsim::sim
