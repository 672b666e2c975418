// The synthetic router's affinities: per MoE layer, step and micro-batch a popularity offset per expert
// (a Zipf law over a seeded ranking, RouterSpec), and per token its logits = popularity + noise * Gumbel, the
// noise drawn by token_noise.h. Same seed, same logits: every draw comes from a stream keyed by (seed, layer,
// step, micro-batch) and, for the noise, the token.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "models/router_spec.h"
#include "models/seeded_random.h"

namespace trainsim::models {

class AffinityGenerator {
 public:
  AffinityGenerator(const RouterSpec& spec, int num_experts, uint64_t seed);

  // Popularity logits [num_experts] of MoE layer `moe_layer` (0-based among MoE layers), mean zero.
  std::vector<double> popularity(int moe_layer, int64_t step, int microbatch) const;
  // Popularity from replayed counts: ln(count + 1/2), mean zero (with unit Gumbel noise a top-1 router then
  // picks experts in proportion to count + 1/2).
  static std::vector<double> popularity_from_counts(std::span<const int64_t> counts);

  int num_experts() const { return num_experts_; }

 private:
  std::vector<double> latent(int moe_layer, int64_t step, int microbatch) const;
  std::vector<double> layer_latent(int moe_layer, int64_t step) const;

  RouterSpec spec_;
  int num_experts_;
  uint64_t seed_;
};

}  // namespace trainsim::models
