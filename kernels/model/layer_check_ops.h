// The layer check's rows of single ops (layer_check.h): each memory-bound op the back-ends run (the norms, the add,
// SwiGLU, RoPE with the q/k/v assembly, one expert's gather, combine and scatter-add), the model's two ends (the
// embedding's lookup and scatter-add, the cross-entropy with its gradient), forward and backward, the routing (the
// top-k choice with its gates, their gradient, the balance loss) and the optimizer (AdamW's step, the gradients'
// zeroing), on
// BF16-representable inputs, as the attention core: the reference's FP64 on the values the device reads
// (layer_check_bounds.h's memory_bound_op_bound says each bound).
#pragma once
#include <cstddef>
#include <functional>
#include <vector>

#include "kernels/model/compute_backend.h"
#include "kernels/model/layer_check.h"
#include "kernels/model/model_config.h"

namespace trainsim::kernels::model {

// ||got - ref||_2 / ||ref||_2; NaN where the sizes differ; 0 or infinity where ref is zero.
double relative_l2(const std::vector<double>& got, const std::vector<double>& ref);

struct LayerOpInputs {
  const ModelConfig& config;
  ComputeBackend& reference;
  ComputeBackend& candidate;
  GemmPrecision precision;           // the run's GEMMs'
  int tokens;                        // rows of a token-wise op
  std::vector<int> ragged_lengths;   // the batch's sequences, unequal (RoPE's positions)
  // `count` seeded BF16-representable values in [-1, 1), the next draw of the check's sequence.
  std::function<std::vector<double>(size_t count)> draw;
};

std::vector<LayerCheckRow> check_single_ops(const LayerOpInputs& in);

}  // namespace trainsim::kernels::model
