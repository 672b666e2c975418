// Each token's own noise on the router logits, logit = popularity + noise_scale * G with G standard Gumbel
// (RouterSpec::token_noise), drawn as X = exp(-G): -ln U is standard exponential for U uniform, so the Gumbel
// inversion -ln(-ln U) is -ln X, and the sigmoid score needs exp(-logit) = exp(-popularity) * X^noise_scale,
// no logarithm at all. X comes from Boost.Random's ziggurat (one 64-bit draw and one multiply ~99% of the
// time), each token from a SplitMix64 stream of its own, so tokens can be drawn in any order or in parallel.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "kernels/moe/routing_rule.h"

namespace trainsim::models {

class TokenNoise {
 public:
  // popularity [num_experts] (AffinityGenerator), noise_scale (RouterSpec::token_noise), the rule's scoring.
  TokenNoise(std::span<const double> popularity, double noise_scale, kernels::RouterScoring scoring);

  // The bases the shared rule ranks token `token` of stream `stream` on before its bias (routing_rule.h's
  // key_from_base): the sigmoid score under kSigmoid, the logit under kSoftmax. out: [num_experts].
  void bases(uint64_t stream, int64_t token, std::span<double> out) const;

  int num_experts() const { return static_cast<int>(popularity_term_.size()); }

 private:
  std::vector<double> popularity_term_;  // kSigmoid: exp(-popularity); kSoftmax: popularity
  double noise_scale_;
  kernels::RouterScoring scoring_;
};

}  // namespace trainsim::models
