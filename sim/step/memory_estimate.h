// Memory per GPU of a priced scenario: weights, gradients, optimizer states and the activations in flight at each
// pipeline device's peak under its schedule, by the memory model (models/memory_model.h); the largest device's.
#pragma once
#include <algorithm>
#include <optional>
#include <string>

#include "models/memory_model.h"
#include "sim/scenario/scenario.h"
#include "sim/schedules/schedule_request.h"
#include "sim/step/priced_scenario.h"

namespace trainsim::sim {

struct MemoryEstimate {
  int device = 0;  // the pipeline device with the largest footprint
  models::MemoryBreakdown breakdown;
  double capacity_bytes = 0;
  bool fits() const { return breakdown.total_bytes() <= capacity_bytes; }
  // How far the footprint exceeds the GPU's HBM; 0 when it fits.
  double over_capacity_bytes() const { return std::max(0.0, breakdown.total_bytes() - capacity_bytes); }
};

// Peak memory per GPU of the scenario's layout at `microbatches` per step; does not throw when it does not fit.
MemoryEstimate estimate_memory(const PricedScenario& priced, int microbatches);
// Peak memory per GPU of the scenario's layout run with another schedule kind on the same pipeline devices
// (what `trainsim schedule --scenario` marks); nullopt when the layout cannot take that kind on them.
std::optional<MemoryEstimate> memory_under_schedule(const Scenario& scenario, const ScheduleRequest& request);
// "memory: needs 97.3 GiB of 80 GiB: 17.3 GiB over (...)": the note of a run priced past its GPU's memory.
std::string memory_excess_note(const MemoryEstimate& memory);
// What would lower memory per GPU and is not already in place (the hint of a layout that does not fit): "recompute
// more (recompute: full), raise pp (now 16), ..., or pick a GPU with more memory".
std::string memory_hint(const Scenario& scenario);

}  // namespace trainsim::sim
