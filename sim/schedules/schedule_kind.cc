// Names and published per-device facts of each pipeline schedule (DualPipe README table).
#include "sim/schedules/schedule_kind.h"

namespace trainsim::sim {

std::string_view schedule_name(ScheduleKind kind) {
  switch (kind) {
    case ScheduleKind::kGPipe: return "gpipe";
    case ScheduleKind::kOneFOneB: return "1f1b";
    case ScheduleKind::kInterleaved: return "interleaved";
    case ScheduleKind::kZeroBubble1P: return "zb1p";
    case ScheduleKind::kDualPipe: return "dualpipe";
    case ScheduleKind::kDualPipeV: return "dualpipev";
  }
  return "unknown";
}

std::optional<ScheduleKind> schedule_from_name(std::string_view name) {
  for (ScheduleKind kind : kAllScheduleKinds)
    if (schedule_name(kind) == name) return kind;
  return std::nullopt;
}

int parameter_copies(ScheduleKind kind) {
  return kind == ScheduleKind::kDualPipe || kind == ScheduleKind::kDualPipeV ? 2 : 1;
}

int devices_for_stages(ScheduleKind kind, int pp) { return kind == ScheduleKind::kDualPipeV ? pp / 2 : pp; }

bool overlaps_forward_and_backward(ScheduleKind kind) {
  return kind == ScheduleKind::kDualPipe || kind == ScheduleKind::kDualPipeV;
}

bool splits_weight_backward(ScheduleKind kind) {
  return kind == ScheduleKind::kZeroBubble1P || kind == ScheduleKind::kDualPipe || kind == ScheduleKind::kDualPipeV;
}

}  // namespace trainsim::sim
