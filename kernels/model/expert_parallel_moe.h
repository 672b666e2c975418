// The DeepSeekMoE layer with its routed experts spread over ranks: expert parallelism (arXiv 2412.19437, section
// 3.2: EP 64 over 8 nodes, each GPU 8 of the 256 routed experts). Every rank holds the router and the shared expert
// and computes them on its own tokens (the layers around the MoE are data parallel); it routes its tokens, sends each
// chosen expert's rows to the rank that holds the expert (the dispatch all-to-all), that rank runs its experts on the
// rows of every rank, and the outputs go back (the combine all-to-all) to be weighed by the gates where the tokens
// live. Backward runs the same way in reverse. Every op is the single-device layer's (moe_layer.h), in its order:
//   - a rank's output and input gradient equal moe_forward / moe_backward on its tokens alone, bit for bit (an
//     expert's GEMMs treat each row by itself, and the rows are combined and scattered in the same expert order);
//   - an expert's weight gradient equals the single device's on every rank's tokens concatenated in rank order,
//     bit for bit (its rows arrive in that order);
//   - the router's and the shared expert's gradients are the rank's own tokens' share: the data-parallel all-reduce
//     (Communicator::all_reduce_sum) sums them, as it sums every replicated weight's.
// The communication is not timed by the op timer: the simulator prices the all-to-alls as EP traffic, not compute.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "kernels/model/communicator.h"
#include "kernels/model/moe_layer.h"
#include "kernels/model/thread_attachment.h"

namespace trainsim::kernels::model {

// Which rank holds which routed experts: rank r the contiguous experts [r * per_rank, (r + 1) * per_rank), as
// DeepSeek-V3 places them (its node-limited groups of experts are nodes' GPUs: a contiguous block of experts).
struct ExpertPlacement {
  int num_experts = 0;
  int ranks = 1;

  // Throws std::invalid_argument unless the experts divide evenly over the ranks.
  static ExpertPlacement contiguous(int num_experts, int ranks);
  int experts_per_rank() const { return num_experts / ranks; }
  int first_expert(int rank) const { return rank * experts_per_rank(); }
  int owner(int expert) const { return expert / experts_per_rank(); }
};

// The group a model's MoE blocks run expert parallel over: the ranks' communicator and which experts each holds.
struct ExpertParallelism {
  Communicator* communicator = nullptr;  // not owned
  ExpertPlacement placement;
};

// The expert parallelism the MoE blocks on this thread run with: the attached one, or none (nullptr: one device).
const ExpertParallelism* current_expert_parallelism();

// Attaches an expert-parallel group (null: none) to this thread for the scope's life (thread_attachment.h); the
// model attaches RunOptions::expert_parallelism around its passes.
using AttachExpertParallelism = ThreadAttachment<const ExpertParallelism>;

// y for this rank's `rows` tokens x [rows][hidden]. w.experts holds every expert's slot; only this rank's experts are
// read (the others may be empty). Every rank of the communicator calls it together; its size is the placement's
// ranks.
std::vector<double> expert_parallel_moe_forward(const ExpertParallelism& parallelism, const RoutingRule& rule,
                                                const MoeWeights& w, std::span<const double> bias,
                                                std::span<const double> x, int rows, MoeCache& cache,
                                                GemmPrecision precision = GemmPrecision::kFP64);
// dx for this rank's tokens; adds into grads its own experts' gradients (from every rank's tokens) and the router's
// and shared expert's gradients from its own tokens. x: the input when the cache dropped it; empty: cache.x.
std::vector<double> expert_parallel_moe_backward(const ExpertParallelism& parallelism, const RoutingRule& rule,
                                                 const MoeWeights& w, const MoeCache& cache, std::span<const double> dy,
                                                 MoeWeights& grads, std::span<const double> x = {});

}  // namespace trainsim::kernels::model
