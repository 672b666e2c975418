// The stage maps of the pipeline schedules (see pipeline_schedule.h) and the text form of a schedule.
#include "sim/schedules/pipeline_schedule.h"

#include "core/error.h"

namespace trainsim::sim {

PipelineSchedule::PipelineSchedule(ScheduleKind kind, int pp, int microbatches, int virtual_stages)
    : kind_(kind),
      pp_(pp),
      microbatches_(microbatches),
      virtual_stages_(kind == ScheduleKind::kInterleaved ? virtual_stages : 1),
      ops_(static_cast<std::size_t>(devices_for_stages(kind, pp))) {
  TS_CHECK(pp >= 1 && microbatches >= 1 && virtual_stages_ >= 1, "pp {} microbatches {} v {}", pp,
           microbatches, virtual_stages_);
  TS_CHECK(ranks() >= 1, "{} on pp {} leaves no device", schedule_name(kind), pp);
}

int PipelineSchedule::lanes() const {
  switch (kind_) {
    case ScheduleKind::kDualPipe:
    case ScheduleKind::kDualPipeV: return 2;
    case ScheduleKind::kInterleaved: return virtual_stages_;
    default: return 1;
  }
}

int PipelineSchedule::directions() const { return kind_ == ScheduleKind::kDualPipe ? 2 : 1; }

int PipelineSchedule::stages() const { return pp_ * virtual_stages_; }

int PipelineSchedule::stage_of(Slot slot) const {
  switch (kind_) {
    case ScheduleKind::kInterleaved: return slot.lane * pp_ + slot.rank;
    case ScheduleKind::kDualPipe:
    case ScheduleKind::kDualPipeV: return slot.lane == 0 ? slot.rank : pp_ - 1 - slot.rank;
    default: return slot.rank;
  }
}

Slot PipelineSchedule::slot_of(int stage, int direction) const {
  switch (kind_) {
    case ScheduleKind::kInterleaved: return {stage % pp_, stage / pp_};
    case ScheduleKind::kDualPipe: return direction == 0 ? Slot{stage, 0} : Slot{pp_ - 1 - stage, 1};
    case ScheduleKind::kDualPipeV: return stage < pp_ / 2 ? Slot{stage, 0} : Slot{pp_ - 1 - stage, 1};
    default: return {stage, 0};
  }
}

int PipelineSchedule::op_count() const {
  int count = 0;
  for (const auto& rank_ops : ops_) count += static_cast<int>(rank_ops.size());
  return count;
}

std::string PipelineSchedule::order_text() const {
  std::string text;
  for (int rank = 0; rank < ranks(); ++rank) {
    text += fmt::format("rank {}:", rank);
    for (const ScheduleOp& op : ops_[static_cast<std::size_t>(rank)]) text += " " + format_op(op, lanes());
    text += "\n";
  }
  return text;
}

}  // namespace trainsim::sim
