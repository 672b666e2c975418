// Closed-form bubbles as published; see bubble_formula.h for the sources.
#include "sim/schedules/bubble_formula.h"

#include <algorithm>
#include <cmath>

namespace trainsim::sim {

double published_bubble_s(ScheduleKind kind, const ChunkTimes& t, int pp, int virtual_stages) {
  const double f = t.forward_s;
  const double b = t.backward_s;
  const double w = t.weight_backward_s;
  switch (kind) {
    case ScheduleKind::kGPipe:
    case ScheduleKind::kOneFOneB: return (pp - 1) * (f + b);
    case ScheduleKind::kInterleaved: return (pp - 1) * (f + b) / virtual_stages;
    case ScheduleKind::kZeroBubble1P: return (pp - 1) * (f + b - 2 * w);
    case ScheduleKind::kDualPipe:
    case ScheduleKind::kDualPipeV: return (pp / 2 - 1) * (t.overlapped_s + b - 3 * w);
  }
  return 0;
}

bool published_bubble_is_exact(ScheduleKind kind, const ChunkTimes& t) {
  constexpr double kTolerance = 1e-9;
  const auto same = [](double x, double y) { return std::abs(x - y) <= kTolerance * (1 + std::abs(x)); };
  switch (kind) {
    case ScheduleKind::kGPipe:
    case ScheduleKind::kOneFOneB:
    case ScheduleKind::kInterleaved: return true;
    case ScheduleKind::kZeroBubble1P:
      return t.weight_backward_s <= t.forward_s * (1 + kTolerance) &&
             t.weight_backward_s <= t.backward_input_s() * (1 + kTolerance);
    case ScheduleKind::kDualPipe:
    case ScheduleKind::kDualPipeV:
      return same(t.forward_s, t.weight_backward_s) && same(t.backward_input_s(), t.weight_backward_s) &&
             t.overlapped_s <= (t.forward_s + t.backward_s) * (1 + kTolerance) &&
             t.overlapped_s >= std::max(t.forward_s, t.backward_s) * (1 - kTolerance);
  }
  return false;
}

}  // namespace trainsim::sim
