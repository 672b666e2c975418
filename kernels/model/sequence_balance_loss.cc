// The balance loss and its gradient: with S_t = sum_j s_{j,t},
// d L_Bal / d s_{j,t} = alpha / T (f_j - sum_i f_i s'_{i,t}) / S_t, and d s / d logit = s (1 - s).
#include "kernels/model/sequence_balance_loss.h"

#include <stdexcept>

namespace trainsim::kernels::model {

BalanceLoss sequence_balance_loss(const RoutingRule& rule, const VarlenBatch& batch, std::span<const double> logits,
                                  std::span<const int> expert_ids, double alpha) {
  const int experts = rule.num_experts, k = rule.top_k, tokens = batch.total_tokens();
  if (rule.scoring != RouterScoring::kSigmoid)
    throw std::invalid_argument("sequence_balance_loss: sigmoid scores only");
  if (logits.size() != size_t(tokens) * experts || expert_ids.size() != size_t(tokens) * k)
    throw std::invalid_argument("sequence_balance_loss: sizes do not match the batch, experts and top_k");
  BalanceLoss out;
  out.d_logits.assign(logits.size(), 0);
  const int sequences = batch.sequences();
  std::vector<double> f(experts), p(experts), s(experts);
  for (int q = 0; q < sequences; ++q) {
    const int first = batch.cu_seqlens[q], length = batch.length(q);
    if (length == 0) continue;
    std::fill(f.begin(), f.end(), 0.0);
    std::fill(p.begin(), p.end(), 0.0);
    for (int t = first; t < first + length; ++t) {
      for (int i = 0; i < k; ++i) f[expert_ids[size_t(t) * k + i]] += double(experts) / (double(k) * length);
      double sum = 0;
      for (int e = 0; e < experts; ++e) sum += (s[e] = sigmoid_score(logits[size_t(t) * experts + e]));
      for (int e = 0; e < experts; ++e) p[e] += s[e] / sum / length;
    }
    double loss = 0;
    for (int e = 0; e < experts; ++e) loss += f[e] * p[e];
    out.loss += alpha * loss / sequences;
    for (int t = first; t < first + length; ++t) {
      double sum = 0, f_dot_normalized = 0;
      for (int e = 0; e < experts; ++e) sum += (s[e] = sigmoid_score(logits[size_t(t) * experts + e]));
      for (int e = 0; e < experts; ++e) f_dot_normalized += f[e] * s[e] / sum;
      for (int e = 0; e < experts; ++e) {
        const double d_score = alpha / sequences / length * (f[e] - f_dot_normalized) / sum;
        out.d_logits[size_t(t) * experts + e] = d_score * s[e] * (1 - s[e]);
      }
    }
  }
  return out;
}

}  // namespace trainsim::kernels::model
