// The op table: every op of each layer kind of a scenario's model for one micro-batch on one GPU, with the
// work it does, the time the op-time model gives it and what priced it, so that a step's compute can be
// read op by op (`trainsim ops`).
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "sim/step/priced_scenario.h"

namespace trainsim::reports {

// One table per layer kind the model has (dense, moe, embedding, head, mtp), at the full SM count: op, pass,
// compute kind, dtype, FLOPs, HBM bytes, time, achieved TFLOP/s or GB/s, and the model that priced it;
// communication ops show the bytes they send and their time on the cluster's links. Then the layer's totals.
std::string format_op_table(const sim::PricedScenario& priced);

// {"layers": [{"kind": "dense", "count": n, "compute_s": x, "ops": [{"name", "pass", "recomputed", "kind",
//  "dtype", "flops", "hbm_bytes", "intra_node_bytes", "inter_node_bytes", "time_s", "priced_by"}, ...]}, ...]}
nlohmann::json op_table_json(const sim::PricedScenario& priced);

}  // namespace trainsim::reports
