// Shared inputs of the reduced-model tests: the tiny config, seeded weights with gains away from 1 (so a gain's
// gradient is generic) and a two-sequence batch of unequal lengths.
#pragma once
#include <string>
#include <vector>

#include "kernels/model/model_config.h"
#include "kernels/model/model_parameters.h"
#include "tests/kernels/mla/mla_test_util.h"  // random_doubles

namespace trainsim::kernels::testing {

inline model::ModelConfig tiny_config() {
  return model::load_model_config(std::string(TRAINSIM_SOURCE_DIR) +
                                  "/kernels/model/configs/reduced-deepseek-v3-tiny.json");
}

inline model::ModelWeights test_weights(const model::ModelConfig& c, unsigned long long seed) {
  model::ModelWeights w = model::init_weights(c, seed);
  unsigned long long tensor = 0;
  model::for_each_parameter(w, w, [&](const std::string&, int fan_in, std::vector<double>& t, std::vector<double>&) {
    ++tensor;
    if (fan_in != model::kGainVector) return;
    const std::vector<double> noise = random_doubles(t.size(), seed * 7919 + tensor, 0.2f);
    for (size_t i = 0; i < t.size(); ++i) t[i] += noise[i];
  });
  return w;
}

// Two sequences of 5 and 4 tokens: varlen packing, causal masking and sequence ends all take part.
inline VarlenBatch test_batch() { return VarlenBatch::from_lengths({5, 4}); }

}  // namespace trainsim::kernels::testing
