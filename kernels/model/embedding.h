// Token embedding lookup (a row of the table per token id) and its backward pass, a scatter-add into the
// table's gradient; DeepSeek-V3 (arXiv 2412.19437, section 2.2) shares this table with its MTP modules.
#pragma once
#include <span>
#include <vector>

namespace trainsim::kernels::model {

// out[t][c] = table[ids[t]][c]; table: [vocab][hidden]. Throws std::out_of_range on an id outside the table.
std::vector<double> embedding_forward(std::span<const double> table, int hidden, std::span<const int> ids);

// d_table[ids[t]][c] += dy[t][c]; a token id seen twice receives both rows' gradients.
void embedding_backward(std::span<const int> ids, int hidden, std::span<const double> dy, std::span<double> d_table);

}  // namespace trainsim::kernels::model
