// Metrics of a simulated step read off its timeline. Per rank, every instant is compute (some compute op
// runs), exposed communication (none does, a flow the rank sends is in flight; when several kinds are, the
// first of ep, tp, pp, dp takes it) or idle; idle is the bubble. The step's figures are those of the
// critical rank, the least idle one: its compute, exposed communication and bubble add up to the makespan.
#pragma once
#include <map>
#include <vector>

#include "sim/engine/timeline.h"

namespace trainsim::sim {

struct RankMetrics {
  double compute_s = 0;                             // optimizer included
  std::map<WorkKind, double> compute_by_kind_s;     // sum of compute op durations per kind
  std::map<WorkKind, double> exposed_comm_by_kind_s;
  std::map<WorkKind, double> comm_by_kind_s;        // time any of its flows of the kind is in flight
  double idle_s = 0;                                // makespan - compute - exposed communication
  double exposed_comm_s() const;
};

struct TimelineMetrics {
  double makespan_s = 0;
  std::vector<RankMetrics> ranks;  // by timeline rank
  int critical_rank = 0;
};

TimelineMetrics timeline_metrics(const Timeline& timeline);

}  // namespace trainsim::sim
