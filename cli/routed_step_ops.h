// A one-device step's ops at the reduced model's own routing: each layer holding routed experts (an MoE layer, the
// MTP module's) rebuilt with its experts at the rows the model's router gave them in a step
// (models::OpContext::routed_rows_by_expert), the other layers as the scenario's step prices them. Both halves of
// `trainsim validate` price a step's experts through it: the host's loop and the GPU's kernels.
#pragma once
#include <cstdint>
#include <vector>

#include "models/op.h"
#include "sim/step/priced_scenario.h"

namespace trainsim::cli {

// `rows_by_block`: [MoE block][expert] in the model's order, the main MoE layers then the MTP modules' (which is
// stage_layers' order of the layers holding experts); empty for a dense model. One op list per stage layer, in
// stage_layers' order. The scenario must be one device (EP 1: a block's experts are all its own).
std::vector<std::vector<models::Op>> step_ops_at_routing(const sim::PricedScenario& priced,
                                                         const std::vector<std::vector<std::int64_t>>& rows_by_block);

}  // namespace trainsim::cli
