// ZeRO sharding (Rajbhandari et al. 2020): stage 1 shards optimizer states, 2 also gradients, 3 also
// weights, each over the data-parallel replicas of the parameter in question.
#include "models/memory_model.h"

#include <algorithm>

#include "core/units.h"

namespace trainsim::models {

double MemoryBreakdown::total_bytes() const {
  double sum = 0;
  for (const MemoryTerm& t : terms) sum += t.bytes;
  return sum;
}

std::string MemoryBreakdown::largest_terms(int count) const {
  std::vector<MemoryTerm> sorted = terms;
  std::stable_sort(sorted.begin(), sorted.end(), [](const MemoryTerm& a, const MemoryTerm& b) { return a.bytes > b.bytes; });
  std::string out;
  for (int i = 0; i < count && i < static_cast<int>(sorted.size()); ++i)
    out += (i ? ", " : "") + sorted[static_cast<size_t>(i)].name + " " +
           format_quantity(sorted[static_cast<size_t>(i)].bytes, Dimension::kBytes);
  return out;
}

MemoryBreakdown memory_per_gpu(const MemoryInputs& in) {
  auto sharded = [&](double params, int replicas, int from_stage) {
    return in.zero_stage >= from_stage ? params / std::max(1, replicas) : params;
  };
  const OptimizerPrecision& p = in.precision;
  const double weights = p.weight_bytes * (sharded(in.parameters, in.data_parallel, 3) +
                                           sharded(in.expert_parameters, in.expert_data_parallel, 3));
  const double gradients = p.gradient_bytes * (sharded(in.parameters, in.data_parallel, 2) +
                                               sharded(in.expert_parameters, in.expert_data_parallel, 2));
  const double optimizer = (p.master_bytes + 2 * p.moment_bytes) *
                           (sharded(in.parameters, in.data_parallel, 1) + sharded(in.expert_parameters, in.expert_data_parallel, 1));
  MemoryBreakdown out;
  out.terms = {{"weights", weights},
               {"gradients", gradients},
               {"optimizer states", optimizer},
               {"activations", in.activation_bytes},
               {"runtime reserve", in.runtime_reserved_bytes}};
  return out;
}

}  // namespace trainsim::models
