// The step's activity tags (see work_tag.h).
#include "sim/step/work_tag.h"

#include "core/error.h"

namespace trainsim::sim {

std::string_view work_class_name(WorkClass work) {
  switch (work) {
    case WorkClass::kCompute: return "compute";
    case WorkClass::kEp: return "ep";
    case WorkClass::kTp: return "tp";
    case WorkClass::kCp: return "cp";
    case WorkClass::kPp: return "pp";
    case WorkClass::kDp: return "dp";
  }
  return "?";
}

WorkTags::WorkTags() {
  models::ComputeKindSeconds optimizer{};
  optimizer[static_cast<int>(models::ComputeKind::kOptimizer)] = 1.0;
  tags_ = {{WorkClass::kCompute, "join", {}},
           {WorkClass::kCompute, "optimizer", optimizer},
           {WorkClass::kEp, "ep", {}},
           {WorkClass::kTp, "tp", {}},
           {WorkClass::kPp, "pp", {}},
           {WorkClass::kDp, "dp", {}},
           {WorkClass::kCp, "cp", {}}};
}

int WorkTags::compute(std::string_view name, const models::ComputeKindSeconds& seconds) {
  double total = 0;
  for (double s : seconds) {
    TS_CHECK(s >= 0, "{}: {} s of one kind", name, s);
    total += s;
  }
  models::ComputeKindSeconds share{};
  if (total > 0)
    for (std::size_t k = 0; k < share.size(); ++k) share[k] = seconds[k] / total;
  auto [it, fresh] = compute_ids_.try_emplace({std::string(name), share}, size());
  if (fresh) tags_.push_back({WorkClass::kCompute, std::string(name), share});
  return it->second;
}

const WorkTag& WorkTags::operator[](int tag) const {
  TS_CHECK(tag >= 0 && tag < size(), "tag {} of {}", tag, size());
  return tags_[static_cast<std::size_t>(tag)];
}

void WorkTags::name_tags(ActivityGraph& graph) const {
  for (int t = 0; t < size(); ++t) graph.name_tag(t, tags_[static_cast<std::size_t>(t)].name);
}

}  // namespace trainsim::sim
