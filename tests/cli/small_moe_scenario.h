// A small DeepSeek-V3 slice for the command tests that run it end to end in a second: 5 layers (3 dense, 2
// MoE), 512-token sequences, one pipeline stage, EP 16 on 4 nodes of H800 with room in memory.
#pragma once
#include <string>

namespace trainsim::testing {

// `routing` (a `routing:` line or empty) goes at the end.
inline std::string small_moe_scenario(const std::string& routing = "") {
  return "seed: 7\n"
         "model: {preset: deepseek-v3, overrides: {num_hidden_layers: 5}}\n"
         "training: {sequence_length: 512, global_batch: 64, tokens: 1B}\n"
         "parallelism: {pp: 1, schedule: 1f1b, ep: 16, recompute: deepseek}\n"
         "cluster: {gpu: {type: h800, hbm_capacity: 1 TiB}, nodes: 4, nic_bandwidth: 400 Gb/s}\n" +
         routing;
}

}  // namespace trainsim::testing
