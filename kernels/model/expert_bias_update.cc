// The sign rule of expert_bias_update.h; the mean is compared exactly (mean * n against load * n in integers).
#include "kernels/model/expert_bias_update.h"

#include <stdexcept>

namespace trainsim::kernels::model {

void update_expert_bias(std::span<const int64_t> loads, double gamma, std::span<double> bias) {
  if (loads.size() != bias.size()) throw std::invalid_argument("update_expert_bias: one load per expert's bias");
  int64_t total = 0;
  for (int64_t load : loads) total += load;
  const int64_t n = int64_t(loads.size());
  for (size_t e = 0; e < loads.size(); ++e) {
    const int64_t gap = total - loads[e] * n;  // n (mean - load): exact, so a balanced expert keeps its bias
    bias[e] += gap > 0 ? gamma : gap < 0 ? -gamma : 0.0;
  }
}

}  // namespace trainsim::kernels::model
