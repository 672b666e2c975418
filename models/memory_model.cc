// ZeRO sharding (Rajbhandari et al. 2020): stage 1 shards optimizer states, 2 also gradients, 3 also
// weights, each over the data-parallel replicas of the parameter in question. With 16-bit gradients the
// optimizer steps on an FP32 copy of them, sharded with its states: Megatron-Core's table gives 20 bytes per
// parameter for FP16 parameters and gradients (2 + 2 + 16 with FP32 master and moments) and 4 + 16/d with
// the distributed optimizer, against 18 and 6 + 12/d with FP32 gradients (docs/sources.md#optimizer-state-bytes).
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

double zero_held_parameters(double parameters, int replicas, double expert_parameters, int expert_replicas,
                            int zero_stage, int from_stage) {
  if (zero_stage < from_stage) return parameters + expert_parameters;
  return parameters / std::max(1, replicas) + expert_parameters / std::max(1, expert_replicas);
}

MemoryBreakdown memory_per_gpu(const MemoryInputs& in) {
  auto held = [&](int from_stage) {
    return zero_held_parameters(in.parameters, in.data_parallel, in.expert_parameters, in.expert_data_parallel,
                                in.zero_stage, from_stage);
  };
  const OptimizerPrecision& p = in.precision;
  constexpr double kFp32Bytes = 4;
  MemoryBreakdown out;
  out.terms = {{"weights", p.weight_bytes * held(3)},
               {"gradients", p.gradient_bytes * held(2)},
               {"optimizer states", (p.master_bytes + 2 * p.moment_bytes) * held(1)}};
  if (p.gradient_bytes < kFp32Bytes && p.master_bytes > 0)
    out.terms.push_back({"fp32 gradient copy", kFp32Bytes * held(1)});
  if (in.zero_stage >= 3)
    out.terms.push_back({"gathered layers", in.gathered_layers * in.largest_layer_parameters * (p.weight_bytes + p.gradient_bytes)});
  out.terms.push_back({"activations", in.activation_bytes});
  out.terms.push_back({"runtime reserve", in.runtime_reserved_bytes});
  return out;
}

}  // namespace trainsim::models
