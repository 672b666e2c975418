// Learned absolute position embeddings (GPT-2/3's wpe): forward, each token's position row is looked up and
// added to its token embedding; backward, the gradient is scatter-added into the position table.
#pragma once
#include <vector>

#include "models/op.h"

namespace trainsim::models {

// The ops of [rows, hidden] tokens' learned positions; none when `table_rows` is 0 (rotary positions).
std::vector<Op> learned_position_ops(double rows, double hidden, int table_rows);

}  // namespace trainsim::models
