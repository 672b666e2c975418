// Embedding gather and scatter-add (formulas in embedding.h).
#include "kernels/model/embedding.h"

#include <stdexcept>
#include <string>

namespace trainsim::kernels::model {

std::vector<double> embedding_forward(std::span<const double> table, int hidden, std::span<const int> ids) {
  const size_t vocab = table.size() / size_t(hidden);
  std::vector<double> out(ids.size() * size_t(hidden));
  for (size_t t = 0; t < ids.size(); ++t) {
    if (ids[t] < 0 || size_t(ids[t]) >= vocab)
      throw std::out_of_range("embedding: token id " + std::to_string(ids[t]) + " outside the vocabulary of " +
                              std::to_string(vocab));
    for (int c = 0; c < hidden; ++c) out[t * hidden + c] = table[size_t(ids[t]) * hidden + c];
  }
  return out;
}

void embedding_backward(std::span<const int> ids, int hidden, std::span<const double> dy, std::span<double> d_table) {
  for (size_t t = 0; t < ids.size(); ++t)
    for (int c = 0; c < hidden; ++c) d_table[size_t(ids[t]) * hidden + c] += dy[t * hidden + c];
}

}  // namespace trainsim::kernels::model
