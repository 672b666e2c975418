// Memory per GPU: weights, gradients and optimizer states under ZeRO stages (DeepSeek-V3 keeps BF16
// weights, FP32 master weights and gradients, BF16 AdamW moments: tech report 3.3.3), activations in flight,
// and a runtime reserve.
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
  int expert_data_parallel = 1;  // replicas of each expert (dp * tp / ep)
  int zero_stage = 1;            // 0: nothing sharded; 1: optimizer; 2: + gradients; 3: + weights
  OptimizerPrecision precision;
  double activation_bytes = 0;   // saved activations in flight at the peak
  double runtime_reserved_bytes = 0;  // CUDA context, communication buffers, allocator slack
};

struct MemoryTerm {
  std::string name;  // "weights", "gradients", "optimizer states", "activations", "runtime reserve"
  double bytes = 0;
};

struct MemoryBreakdown {
  std::vector<MemoryTerm> terms;
  double total_bytes() const;
  // "activations 52.1 GiB, optimizer states 20.3 GiB, weights 9.8 GiB": the largest terms first.
  std::string largest_terms(int count) const;
};

MemoryBreakdown memory_per_gpu(const MemoryInputs& inputs);

}  // namespace trainsim::models
