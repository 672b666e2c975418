// WorkTags: what the step's activities are, behind the plain integer tags the engine carries
// (ActivityLabel::tag). Communication by purpose (ep, tp, cp, pp, dp); compute with its time split by op kind
// (models/compute_kind.h), so the metrics attribute each executed compute activity's duration, stretched by
// the engine or not, to the kinds in proportion. The optimizer is compute of kind `optimizer`; a zero-length
// join is compute of no kind.
#pragma once
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "models/compute_kind.h"
#include "sim/engine/activity_graph.h"

namespace trainsim::sim {

enum class WorkClass { kCompute, kEp, kTp, kCp, kPp, kDp };

std::string_view work_class_name(WorkClass work);  // "compute", "ep", "tp", "cp", "pp", "dp"
inline bool is_communication(WorkClass work) { return work != WorkClass::kCompute; }

struct WorkTag {
  WorkClass work = WorkClass::kCompute;
  std::string name;                      // the trace's category: "attention", "experts", "ep", ...
  models::ComputeKindSeconds share = {};  // compute: each kind's fraction of the activity's time (sum 1; 0 for a join)
};

class WorkTags {
 public:
  // The fixed tags.
  static constexpr int kJoin = 0, kOptimizer = 1, kEp = 2, kTp = 3, kPp = 4, kDp = 5, kCp = 6;

  WorkTags();
  // The tag of compute named `name` whose time splits as `seconds` does: the same name and split give the same
  // tag (a step at gpu fidelity has millions of compute activities and a few hundred distinct splits).
  int compute(std::string_view name, const models::ComputeKindSeconds& seconds);
  const WorkTag& operator[](int tag) const;
  int size() const { return static_cast<int>(tags_.size()); }
  // Names every tag in `graph`, for the trace.
  void name_tags(ActivityGraph& graph) const;

 private:
  std::vector<WorkTag> tags_;
  std::map<std::pair<std::string, models::ComputeKindSeconds>, int> compute_ids_;
};

}  // namespace trainsim::sim
