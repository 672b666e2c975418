// One routed (layer, micro-batch) as the step graph reads it: rows per EP rank and the dispatch and combine
// bytes per GPU pair on DeepSeek-V3's path (tech report section 3.2.2, DeepEP's normal kernels): a token
// crosses InfiniBand once per target node, to the GPU with its sender's local index there, which forwards
// it over NVLink to each further GPU of that node holding one of its experts; on its own node the sender
// forwards it itself. Combine is the same path reversed, one BF16 row per (token, GPU) and per (token, node):
// outputs are summed on each GPU and again on the forwarding GPU before crossing back (DeepEP combine).
#pragma once
#include <cstdint>

#include "models/ep_traffic.h"
#include "models/expert_placement.h"
#include "models/expert_router.h"
#include "models/model_config.h"
#include "models/routed_load.h"

namespace trainsim::models {

// Bytes per token copy, as the op catalog's dispatch and combine carry them (models/mlp_ops.cc): dispatch FP8 (1
// byte per element) plus one FP32 scale per 1x128 tile where the precision dispatches in FP8 (tech report section
// 3.3; DeepEP's FP8 dispatch; PrecisionPolicy::fp8_dispatch), else BF16; combine BF16 (2 bytes per element).
struct TokenBytes {
  double dispatch = 0;
  double combine = 0;
};
TokenBytes token_bytes(const ModelConfig& model, bool fp8_dispatch);

// Which physical slot serves each (token, expert) pair: a logical expert with several slots (EPLB replicas)
// hands its pairs to them in turn, in token order, so its load splits evenly (to within one row) between them.
// Returns the EP rank of each pair, [token * top_k + i].
std::vector<int> ranks_of_pairs(const TokenRouting& routing, const ExpertPlacement& placement);

// Rows and traffic of one layer's micro-batch; the routing's token t belongs to rank t / tokens_per_rank.
RoutedLayerLoad routed_layer_load(int layer, const TokenRouting& routing, int64_t tokens_per_rank,
                                  const ExpertPlacement& placement, const EpGroupShape& group,
                                  const TokenBytes& bytes);

}  // namespace trainsim::models
