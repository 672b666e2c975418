// ParallelLayout: how a run is laid out. Parallel degrees, ZeRO stage, micro-batch, pipeline schedule,
// layer placement and recomputation. The product pp x tp x dp is the GPU count; EP groups are drawn from
// the dp x tp GPUs of one pipeline stage.
#pragma once
#include <vector>

#include "models/op_catalog.h"
#include "sim/schedules/schedule_kind.h"

namespace trainsim::sim {

struct ParallelLayout {
  int pp = 1;
  int virtual_stages = 1;  // interleaved 1F1B only
  int tp = 1;
  bool sequence_parallel = false;
  int ep = 1;
  int dp = 1;
  int zero_stage = 1;
  int micro_batch_size = 1;  // sequences
  ScheduleKind schedule = ScheduleKind::kOneFOneB;
  models::Recompute recompute = models::Recompute::kNone;
  models::RecomputeModules recompute_modules;  // recompute: {modules: [...]}
  models::AttentionKernel attention_kernel = models::AttentionKernel::kFlash;
  std::vector<int> layers_per_stage;  // empty: balanced automatic placement

  int expert_data_parallel() const { return dp * tp / ep; }
  // Pipeline stages the model is cut into: pp, pp x v when interleaved, 2 pp for DualPipeV's V.
  int stage_count() const;
};

}  // namespace trainsim::sim
