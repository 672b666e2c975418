// Memory per GPU: weights, gradients and optimizer states under ZeRO stages or Megatron's distributed
// optimizer (DeepSeek-V3 keeps BF16 weights, FP32 master weights and gradients, BF16 AdamW moments: tech
// report 3.3.3; Megatron-Core's table of bytes per parameter: docs/sources.md#optimizer-state-bytes), the
// layers ZeRO-3/FSDP gathers at once, activations in flight, and a runtime reserve.
#pragma once
#include <string>
#include <vector>

namespace trainsim::models {

struct OptimizerPrecision {
  double weight_bytes = 2;      // BF16 working weights (FP8 copies are made on the fly per GEMM)
  double gradient_bytes = 4;    // FP32 gradients
  double master_bytes = 4;      // FP32 master weights
  double moment_bytes = 2;      // each of AdamW's two moments, BF16
};

struct MemoryInputs {
  double parameters = 0;         // non-expert parameters held by this GPU (all its stages)
  double expert_parameters = 0;  // routed-expert parameters held by this GPU
  int data_parallel = 1;         // replicas of the non-expert parameters (ZeRO shards over them)
  int expert_data_parallel = 1;  // replicas of each expert (dp * tp * cp / ep)
  // 0: nothing sharded; 1: optimizer states (Megatron's distributed optimizer is this stage: it shards the
  // optimizer states, not gradients or weights); 2: + gradients; 3: + weights (ZeRO-3, FSDP).
  int zero_stage = 1;
  // ZeRO-3 / FSDP: the parameters on this GPU of its largest layer (its TP and EP share, unsharded over data
  // parallelism). FSDP keeps the layer it computes and the one it prefetches gathered in full, and their
  // full gradients until they are reduce-scattered; DeepSpeed's ZeRO-3 prefetch holds as much.
  double largest_layer_parameters = 0;
  int gathered_layers = 2;
  OptimizerPrecision precision;
  double activation_bytes = 0;   // saved activations in flight at the peak
  double runtime_reserved_bytes = 0;  // CUDA context, communication buffers, allocator slack
};

struct MemoryTerm {
  // "weights", "gradients", "optimizer states", "activations", "runtime reserve"; where they apply also
  // "fp32 gradient copy" (16-bit gradients) and "gathered layers" (ZeRO-3 / FSDP).
  std::string name;
  double bytes = 0;
};

struct MemoryBreakdown {
  std::vector<MemoryTerm> terms;
  double total_bytes() const;
  // "activations 52.1 GiB, optimizer states 20.3 GiB, weights 9.8 GiB": the largest terms first.
  std::string largest_terms(int count) const;
};

MemoryBreakdown memory_per_gpu(const MemoryInputs& inputs);

// The parameters a GPU keeps a share of under ZeRO stage `zero_stage` for a state sharded from `from_stage` on (1:
// optimizer states, 2: gradients, 3: weights): all of them below it, else each kind over its replicas. The rule
// of memory_per_gpu's terms, and of the optimizer's and the gradient zeroing's bytes (sim/step/data_parallel.h).
double zero_held_parameters(double parameters, int replicas, double expert_parameters, int expert_replicas,
                            int zero_stage, int from_stage);

}  // namespace trainsim::models
