// Cross-entropy with a max-subtracted log-sum-exp, so large logits do not overflow.
#include "kernels/model/cross_entropy.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace trainsim::kernels::model {

CrossEntropyResult cross_entropy(std::span<const double> logits, int rows, int vocab, std::span<const int> targets) {
  if (logits.size() != size_t(rows) * vocab || targets.size() != size_t(rows))
    throw std::invalid_argument("cross_entropy: sizes do not match rows and vocab");
  CrossEntropyResult r;
  r.d_logits.assign(logits.size(), 0);
  for (int t : targets) r.count += t >= 0 ? 1 : 0;
  if (r.count == 0) return r;
  for (int i = 0; i < rows; ++i) {
    if (targets[i] < 0) continue;
    if (targets[i] >= vocab) throw std::out_of_range("cross_entropy: target outside the vocabulary");
    const double* z = &logits[size_t(i) * vocab];
    const double m = *std::max_element(z, z + vocab);
    double sum = 0;
    for (int v = 0; v < vocab; ++v) sum += std::exp(z[v] - m);
    r.loss += m + std::log(sum) - z[targets[i]];
    double* d = &r.d_logits[size_t(i) * vocab];
    for (int v = 0; v < vocab; ++v) d[v] = std::exp(z[v] - m) / sum / r.count;
    d[targets[i]] -= 1.0 / r.count;
  }
  r.loss /= r.count;
  return r;
}

}  // namespace trainsim::kernels::model
