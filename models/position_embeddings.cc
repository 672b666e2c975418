// Learned positions (see position_embeddings.h). Forward: the position rows (BF16) read, the token embeddings
// read and their sum written, one add per value. Backward: dY read (BF16) and each position row's FP32
// gradient read and written once per token, as the token table's scatter-add (op_catalog.cc) is priced.
#include "models/position_embeddings.h"

namespace trainsim::models {

std::vector<Op> learned_position_ops(double rows, double hidden, int table_rows) {
  if (table_rows <= 0) return {};
  const double values = rows * hidden;
  return {{"embed.positions", OpKind::kEmbedding, Dtype::kBf16, Pass::kForward, OpRole::kPre, values, 3.0 * values * bytes_per_element(Dtype::kBf16)},
          {"embed.positions.scatter_add", OpKind::kEmbedding, Dtype::kFp32, Pass::kBackwardWeight, OpRole::kPre, values,
           values * (bytes_per_element(Dtype::kBf16) + 2 * bytes_per_element(Dtype::kFp32))}};
}

}  // namespace trainsim::models
