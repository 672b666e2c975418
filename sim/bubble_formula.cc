// Closed forms, as published.
#include "sim/bubble_formula.h"

namespace trainsim::sim {

double published_bubble_s(ScheduleKind kind, const ChunkTimes& c, int pp, int virtual_stages) {
  (void)virtual_stages;  // the chunk is already one virtual stage
  const double f = c.forward_s, b = c.backward_s, w = c.weight_backward_s, fb = c.overlapped_s;
  switch (kind) {
    case ScheduleKind::kGPipe:
    case ScheduleKind::kOneFOneB:
    case ScheduleKind::kInterleaved: return (pp - 1) * (f + b);
    case ScheduleKind::kZeroBubble1P: return (pp - 1) * (f + b - 2 * w);
    case ScheduleKind::kDualPipe: return (pp / 2 - 1) * (fb + b - 3 * w);
    case ScheduleKind::kDualPipeV: return (pp - 1) * (fb + b - 3 * w);
  }
  return 0;
}

}  // namespace trainsim::sim
