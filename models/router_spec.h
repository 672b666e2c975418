// RouterSpec: how the simulated router behaves: where token-to-expert affinities come from (balanced,
// a seeded synthetic generator, or a replayed file), how biases balance the load, and where experts live.
// Every default cites its source in docs/sources.md ("Expert routing"); the generator is models/affinity_generator.h.
#pragma once
#include <cstdint>
#include <string>

namespace trainsim::models {

enum class RoutingSource {
  kBalanced,   // every expert the same load: what DeepSeek's published profile assumed (the default)
  kSynthetic,  // the seeded generator below
  kReplay,     // per-expert token counts from a file (docs/routing-replay.md)
};

enum class BiasBalancing {
  kNone,
  kAuxLossFree,  // b_i += gamma * sign(mean load - load_i) after each step (Wang et al. 2024, arXiv 2408.15664)
};

enum class PlacementPolicy { kUniform, kEplbHierarchical, kEplbGlobal };  // the EPLB policies: models/eplb.*

struct RouterSpec {
  RoutingSource source = RoutingSource::kBalanced;

  // --- the synthetic generator: logit[e] = popularity[e] + token_noise * Gumbel, per token ---
  // Expert popularity as a Zipf law over a seeded ranking of the experts: popularity = -s * ln(rank), so with
  // the default unit Gumbel noise a top-1 router picks the expert of rank r with probability proportional to
  // r^-s exactly (the Gumbel-max identity). Zipf rather than a Dirichlet: one number fixes the shape (the
  // hottest expert carries 2^s times the second's load), the seed only orders experts, so a skew gives the
  // same MaxVio for every seed; a Dirichlet draw's MaxVio is itself random. Default: the skew that gives
  // MaxVio_global 0.72 at DeepSeek-V3's shape without bias, the level an auxiliary-loss-controlled router
  // keeps (Wang et al. 2024, table 2, 1B model); tests/models/affinity_generator_test.cc checks it.
  double zipf_exponent = 0.125;
  double token_noise = 1.0;  // Gumbel scale of each token's own logits (1: the Gumbel-max identity above)
  // Correlation of the popularity latent (a standard normal per expert, ranked into the Zipf law) between
  // consecutive MoE layers and between the micro-batches of one step. No study reports these for popularity;
  // 0 (independent routers per layer) and 1 (a step's micro-batches share the popularity) are assumptions.
  double layer_correlation = 0.0;
  double microbatch_correlation = 1.0;
  // Steps over which the popularity latent turns into an independent one (a rotation between two latents,
  // correlation cos(pi/2 * dt / steps)); 0: no drift. An assumption: no public measurement over training.
  double drift_steps = 0.0;
  // Distinct tokens routed exactly by the rule per (layer, micro-batch); a micro-batch with more tokens draws
  // each token's routing from them uniformly (see expert_router.h for the spread this adds). Chosen for speed.
  int pool_tokens = 4096;

  // --- balancing ---
  BiasBalancing balancing = BiasBalancing::kAuxLossFree;
  double bias_update_speed = 0.001;  // gamma: DeepSeek-V3 report section 4.2 (0.001 for the first 14.3T tokens)
  // The sequence-wise auxiliary loss (DeepSeek-V3 report eq. 17-20, alpha = 0.0001): modelled by its intent,
  // no micro-batch departs from its layer's popularity (microbatch_correlation taken as 1). Not calibrated.
  bool sequence_aux_loss = false;

  // Steps of bias balancing each layer runs before `trainsim run` prices a step with the routed load (0: the
  // loads as generated, no bias yet). Each costs a route of pool_tokens per MoE layer (about 10 ms for V3; layers in parallel).
  int warmup_steps = 0;

  // --- placement (parsed here; the EPLB policies are models/eplb.*) ---
  PlacementPolicy placement = PlacementPolicy::kUniform;
  int redundant_experts = 0;  // extra physical slots per layer (DeepSeek-V3 prefill: 32, report section 3.4)

  std::string replay_file;  // kReplay: the counts file, resolved against the scenario's folder
};

const char* routing_source_name(RoutingSource source);
const char* placement_policy_name(PlacementPolicy policy);

}  // namespace trainsim::models
