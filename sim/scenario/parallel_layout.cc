// Stage counts per schedule: interleaving gives each device v stages, DualPipeV folds a V of 2 pp stages.
#include "sim/scenario/parallel_layout.h"

namespace trainsim::sim {

int ParallelLayout::stage_count() const {
  switch (schedule) {
    case ScheduleKind::kInterleaved: return pp * virtual_stages;
    case ScheduleKind::kDualPipeV: return 2 * pp;
    default: return pp;
  }
}

}  // namespace trainsim::sim
