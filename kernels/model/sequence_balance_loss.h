// DeepSeek-V3's complementary sequence-wise balance loss (arXiv 2412.19437, section 2.1.2, equations 17-20), per
// sequence of T tokens: L_Bal = alpha sum_i f_i P_i, f_i = N_r / (K_r T) x (tokens of the sequence routed to
// expert i), P_i = (1/T) sum_t s'_{i,t}, s'_{i,t} = s_{i,t} / sum_j s_{j,t}; alpha = 0.0001 (section 4.2).
// f_i counts a selection, so the gradient flows through P_i only.
#pragma once
#include <span>
#include <vector>

#include "kernels/mla/mla_problem.h"
#include "kernels/moe/routing_rule.h"

namespace trainsim::kernels::model {

struct BalanceLoss {
  double loss = 0;               // mean over the batch's sequences of L_Bal
  std::vector<double> d_logits;  // [tokens][experts], gradient of `loss` with respect to the router logits
};

// logits: [tokens][experts] of sigmoid scoring; expert_ids: [tokens][top_k], the experts each token was sent to.
BalanceLoss sequence_balance_loss(const RoutingRule& rule, const VarlenBatch& batch, std::span<const double> logits,
                                  std::span<const int> expert_ids, double alpha);

}  // namespace trainsim::kernels::model
