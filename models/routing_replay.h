// Replayed routing: per-expert token counts per MoE layer and step from a CSV file (docs/routing-replay.md),
// so users can plug in statistics from their own runs. Errors name the file, line and field (ConfigError).
#pragma once
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace trainsim::models {

struct RoutingReplay {
  std::string file;
  int num_experts = 0;
  std::vector<int64_t> steps;  // the steps listed, ascending
  std::map<std::pair<int64_t, int>, std::vector<int64_t>> counts;  // (step, layer) -> tokens per expert

  // Counts of `layer` for simulated step `step`: the listed steps are replayed in order, cyclically
  // (simulated step s reads listed step number s % steps.size()).
  const std::vector<int64_t>& at(int layer, int64_t step) const;
};

// Parses `text` (the contents of `file`): a header line `step,layer,expert,tokens`, then one row per
// (step, layer, expert) with integers: step >= 0, layer one of `moe_layers` (model layer indices, dense layers
// counted), 0 <= expert < num_experts, tokens >= 0. Experts not listed count 0 tokens; every listed step must
// list every MoE layer; a (step, layer, expert) may appear once. Blank lines and lines from '#' are skipped.
RoutingReplay parse_routing_replay(const std::string& text, const std::string& file, int num_experts,
                                   std::span<const int> moe_layers);
// Reads and parses the file at `path` (named as `path` in errors).
RoutingReplay load_routing_replay(const std::string& path, int num_experts, std::span<const int> moe_layers);

}  // namespace trainsim::models
