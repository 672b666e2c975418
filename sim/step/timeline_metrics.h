// Metrics of a simulated step read off its timeline. Per rank, every instant is compute (some compute op
// runs), exposed communication (none does, a flow the rank sends is in flight; when several kinds are, the
// first of ep, tp, pp, dp takes it) or idle; idle is the bubble. The step's figures are those of the
// critical rank, the least idle one: its compute, exposed communication and bubble add up to the makespan.
// Each compute op's executed duration goes to the op kinds in the shares its tag carries (work_tag.h).
#pragma once
#include <map>
#include <vector>

#include "models/compute_kind.h"
#include "sim/engine/timeline.h"
#include "sim/step/work_tag.h"

namespace trainsim::sim {

struct RankMetrics {
  double compute_s = 0;                             // optimizer included
  models::ComputeKindSeconds compute_by_kind_s{};   // compute op durations split by their tags' shares
  std::map<WorkClass, double> exposed_comm_by_kind_s;
  std::map<WorkClass, double> comm_by_kind_s;       // time any of its flows of the kind is in flight
  double idle_s = 0;                                // makespan - compute - exposed communication
  double exposed_comm_s() const;
};

struct TimelineMetrics {
  double makespan_s = 0;
  std::vector<RankMetrics> ranks;  // by timeline rank
  int critical_rank = 0;
};

// `tags`: what the timeline's tags mean (the step graph's).
TimelineMetrics timeline_metrics(const Timeline& timeline, const WorkTags& tags);

}  // namespace trainsim::sim
