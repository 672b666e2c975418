// A small valid scenario as text, and a way to change one line of it, for the rule-by-rule tests.
#pragma once
#include <stdexcept>
#include <string>

#include "core/error.h"
#include "sim/scenario/scenario_loader.h"

namespace trainsim::sim::testing {

// DeepSeek-V3 on 32 H800 (4 nodes): pp 4 with DualPipe, EP 8, dp 8. Line numbers matter to the tests.
inline const char* kValidScenario =
    "seed: 7\n"                                   // 1
    "model:\n"                                    // 2
    "  preset: deepseek-v3\n"                     // 3
    "training:\n"                                 // 4
    "  sequence_length: 4096\n"                   // 5
    "  global_batch: 64\n"                        // 6
    "  tokens: 1B\n"                              // 7
    "parallelism:\n"                              // 8
    "  pp: 4\n"                                   // 9
    "  schedule: dualpipe\n"                      // 10
    "  ep: 8\n"                                   // 11
    "  dp: 8\n"                                   // 12
    "  recompute: deepseek\n"                     // 13
    "cluster:\n"                                  // 14
    "  gpu: {type: h800, hbm_capacity: 1 TiB}\n"  // 15
    "  nodes: 4\n"                                // 16
    "  nic_bandwidth: 400 Gb/s\n";                // 17

// kValidScenario with the first occurrence of `from` replaced by `to`.
inline std::string with(const std::string& from, const std::string& to, std::string text = kValidScenario) {
  const size_t at = text.find(from);
  if (at == std::string::npos) throw std::logic_error("test text has no '" + from + "'");
  return text.replace(at, from.size(), to);
}

// The ConfigError message of parsing `text`, or "no error".
// The scenario `text` describes, as a file called s.yaml.
inline Scenario parse(const std::string& text) { return parse_scenario(text, "s.yaml"); }

inline std::string error_of(const std::string& text) {
  try {
    parse_scenario(text, "s.yaml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace trainsim::sim::testing
