// The end of a step over data parallelism: what a pipeline device holds, the ZeRO collectives that move its
// gradients and weights among the replicas, and the optimizer step over its shard. Shared by the analytic
// estimate and the engine.
#pragma once
#include <array>
#include <string>
#include <vector>

#include "hardware/nccl_collective.h"
#include "hardware/shaped_op_time_model.h"
#include "sim/step/priced_model.h"

namespace trainsim::sim {

struct HeldParameters {
  double parameters = 0;         // non-expert, replicated over dp
  double expert_parameters = 0;  // routed experts, replicated over the expert-data-parallel degree
};

HeldParameters held_parameters(const StagePlan& plan, int device, const PricedModel& priced,
                               const models::ModelConfig& model);

// Where a GPU's data-parallel replicas sit (Megatron's rank order: TP innermost, then CP, then DP; a pipeline
// device holds dp x tp x cp consecutive GPUs): a dense parameter's `replicas` (dp x cp of them) tp GPUs apart,
// an expert's (the expert-data-parallel degree) max(ep, tp) apart; a node holds gpus_per_node / stride of them
// (the largest divisor of the group that fits), one where the stride fills a node. NCCL's rings then leave each node over
// those replicas' NICs together (hardware/nccl_collective.h).
int replica_stride(const ParallelLayout& layout, int replicas);
int replicas_per_node(const Scenario& scenario, int replicas);

// Whether a GPU reduce-scatters each layer's gradients after its backward in every micro-batch (unit_collectives)
// rather than once at the step's end: from ZeRO 2 on, a rank keeps only its shard's gradients, so it cannot hold
// them unreduced until the last micro-batch (DeepSpeed's ZeRO 2 and 3 reduce "after every backward",
// docs/sources.md#zero-2-reduction; FSDP's ZeRO 3 likewise).
bool reduces_every_microbatch(const ParallelLayout& layout);

// The collectives at the step's end as NCCL runs them over the `replicas` of a GPU: ZeRO 1: the gradients'
// reduce-scatter before the optimizer and the weights' all-gather after it; ZeRO 2: the all-gather after it
// only (its reductions ran every micro-batch); ZeRO 0: the gradients' all-reduce before it and nothing after.
// One rank: nothing to move. ZeRO 3 has none at the step's end: see unit_collectives.
// With dp_overlap the reduction before the optimizer runs per bucket instead (gradient_buckets).
struct ZeroCollectives {
  hw::Collective before_optimizer;
  hw::Collective after_optimizer;
};
ZeroCollectives zero_collectives(const Scenario& scenario, double parameters, int replicas);

// What a step's ZeRO collectives of `parameters` cost on the NICs, NCCL-priced (hardware/nccl_collective.h),
// each run once, ZeRO 3's weight all-gathers of forward and backward counted once each: what bounds the DP
// figure. The exposed time is priced per bucket (gradient_buckets) or, from ZeRO 2, per layer and micro-batch
// (unit_collectives).
CommLoad dp_collective_load(const Scenario& scenario, double parameters, int replicas);

// A gradient bucket: parameters whose gradients one collective reduces (ZeRO 0: all-reduces; 1-3:
// reduce-scatters) once the last micro-batch's backward of the layer that completes the bucket is done.
struct GradientBucket {
  double parameters = 0;
  bool expert = false;  // routed experts: reduced over the expert-data-parallel replicas, dense over dp
  int stage = 0;        // the plan stage holding the layer
  int layer = 0;        // its index in stage_layers(stage)
};

// The buckets of one pipeline device as Megatron-Core's DDP forms them (--overlap-grad-reduce,
// megatron/core/distributed/param_and_grad_buffer.py): one buffer per model chunk (plan stage), filled in
// reverse order of the forward, a bucket closed once it holds at least `bucket_parameters`; a layer holding
// n buckets' worth closes n buckets at once; each chunk's rest is its last bucket. Dense and expert
// parameters fill buckets apart (their replicas differ). Stages in reverse of the device's list, the order
// their last backwards end under interleaving; buckets in the order they become ready.
std::vector<GradientBucket> gradient_buckets(const StagePlan& plan, int device, const PricedModel& priced,
                                             const models::ModelConfig& model, double bucket_parameters);

// The collective that reduces one bucket's gradients over `replicas`.
hw::Collective bucket_collective(const Scenario& scenario, const GradientBucket& bucket, int replicas);

// One unit per layer, every micro-batch, from ZeRO 2 on: its gradients reduce-scattered after its backward.
// ZeRO 3 as FSDP runs it also gathers its weights before its forward and again before its backward, each gather
// issued when the previous unit's compute starts (FSDP's forward_prefetch and backward_prefetch BACKWARD_PRE:
// one unit ahead); ZeRO 2 keeps its weights whole and gathers nothing (gather left one rank's). Dense parameters over
// dp, routed experts over the expert-data-parallel replicas.
struct UnitCollectives {
  std::array<hw::Collective, 2> gather;  // [expert]
  std::array<hw::Collective, 2> reduce;  // [expert]
};
UnitCollectives unit_collectives(const Scenario& scenario, const models::LayerOps& layer);

// Seconds one pass over `compute_s` (a unit's compute, in the order the pass runs them) takes with its
// gathers (`gather_s`, each prefetched one unit ahead) and reductions after each unit (`reduce_s`, empty in
// forward) on one NCCL stream: the queue of data_parallel.cc, the closed form of the step graph's flows.
double unit_pass_s(const std::vector<double>& compute_s, const std::vector<double>& gather_s,
                   const std::vector<double>& reduce_s);

// How the step's gradient reduction is placed, for the report's notes (the same at every fidelity).
std::string dp_reduction_note(const ParallelLayout& layout);

// The bytes AdamW moves per parameter: read the gradient, read and write the master weight and both moments,
// write the weight.
double optimizer_bytes_per_parameter(const models::OptimizerPrecision& precision);

// The bytes of the gradient buffer a GPU accumulates its micro-batches' gradients into, and zeroes once a step for
// the next (Megatron-Core's zero_grad_buffer, a memset of the buffer, docs/sources.md#gradient-zeroing): every held
// parameter's gradient, sharded over its replicas from ZeRO 2, as the memory model's gradients term.
double gradient_buffer_bytes(const Scenario& scenario, const HeldParameters& held);

// The step's optimizer term, memory-bound, priced by `time_model` (ShapedOpTimeModel::optimizer_seconds and
// gradient_zeroing_seconds): AdamW over this GPU's shard (all of it below ZeRO 1), optimizer_bytes_per_parameter of
// each of its parameters, then the gradient buffer zeroed for the next step (gradient_buffer_bytes). Frameworks
// zero it as the next step begins; in the step's time the place makes no difference.
double optimizer_seconds(const Scenario& scenario, const HeldParameters& held, const hw::ShapedOpTimeModel& time_model);

}  // namespace trainsim::sim
