// PipelineSchedule: per rank, the ordered ops it runs, and the stage map saying which pipeline stage a
// (rank, lane) runs. Stage maps follow Megatron (interleaved) and deepseek-ai/DualPipe (DualPipe, DualPipeV).
#pragma once
#include <string>
#include <vector>

#include "sim/schedules/schedule_kind.h"
#include "sim/schedules/schedule_op.h"

namespace trainsim::sim {

// Where a chunk runs: a rank and one of its lanes.
struct Slot {
  int rank = 0;
  int lane = 0;
  friend bool operator==(const Slot&, const Slot&) = default;
};

// A micro-batch passes the stages 0..stages()-1 in forward and back in backward. Stage maps:
//   GPipe, 1F1B, ZB1P  stage s on rank s (one lane).
//   interleaved        pp*v virtual stages; stage s on rank s % pp, lane (virtual stage) s / pp.
//   DualPipe           two directions of pp stages each: a (lane 0) has stage s on rank s, b (lane 1) on
//                      rank pp-1-s; each rank holds two stages, so two copies of parameters.
//   DualPipeV          pp stages on pp/2 ranks in a V: stage s < pp/2 on rank s lane a, stage s >= pp/2 on
//                      rank pp-1-s lane b; a micro-batch enters and leaves at rank 0.
class PipelineSchedule {
 public:
  PipelineSchedule(ScheduleKind kind, int pp, int microbatches, int virtual_stages = 1);

  ScheduleKind kind() const { return kind_; }
  int pp() const { return pp_; }                      // pipeline stages of the model (the published PP)
  int ranks() const { return static_cast<int>(ops_.size()); }  // devices: pp, or pp/2 for DualPipeV
  int microbatches() const { return microbatches_; }  // in all directions together
  int virtual_stages() const { return virtual_stages_; }
  int lanes() const;       // 2 for DualPipe and DualPipeV, v for interleaved, 1 otherwise
  int directions() const;  // 2 for DualPipe (its micro-batches are numbered per direction), 1 otherwise
  int microbatches_per_direction() const { return microbatches_ / directions(); }
  int stages() const;      // stages a micro-batch passes: pp*v for interleaved, pp otherwise

  int stage_of(Slot slot) const;
  Slot slot_of(int stage, int direction) const;
  int direction_of(int lane) const { return directions() == 2 ? lane : 0; }
  // Whose chunk times `stage` runs, of the pp per-device entries: interleaved virtual stage s sits on rank
  // s mod pp and runs 1/v of that device's layers (trainsim's plan gives device d the stages d, d + pp, ...);
  // every other schedule's stages are the model stages themselves.
  int model_stage_of(int stage) const { return kind_ == ScheduleKind::kInterleaved ? stage % pp_ : stage; }
  // A chunk's share of a model stage's layers: 1/v for interleaved, 1 otherwise.
  double chunk_fraction() const { return 1.0 / virtual_stages_; }

  const std::vector<ScheduleOp>& ops(int rank) const { return ops_.at(rank); }
  std::vector<ScheduleOp>& ops(int rank) { return ops_.at(rank); }
  int op_count() const;

  // One line per rank in the notation of dualpipe-p8-n20.txt: "rank 0: F0a F1a ... W9a".
  std::string order_text() const;

 private:
  ScheduleKind kind_;
  int pp_;
  int microbatches_;
  int virtual_stages_;
  std::vector<std::vector<ScheduleOp>> ops_;
};

}  // namespace trainsim::sim
