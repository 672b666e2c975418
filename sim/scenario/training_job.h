// TrainingJob: what is trained. The model, the sequence length, the global batch and its ramp, the token
// budget and the precision policy. Nothing about how or where it runs.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "models/memory_model.h"
#include "models/model_config.h"
#include "models/op_catalog.h"

namespace trainsim::sim {

// The global batch grows linearly from `from_sequences` to the full batch over the first `over_tokens`
// (DeepSeek-V3: 3072 to 15360 sequences over 469B tokens, tech report 4.2).
struct BatchRamp {
  int from_sequences = 0;
  double over_tokens = 0;
};

struct TrainingJob {
  models::ModelConfig model;
  std::string model_source;  // "preset deepseek-v3", or the config.json path
  int sequence_length = 4096;
  int global_batch_sequences = 0;
  std::optional<BatchRamp> ramp;
  double total_tokens = 0;
  models::PrecisionPolicy precision;
  models::OptimizerPrecision optimizer;
  // What the loader settled for the user that the report should say (a precision the GPU forced).
  std::vector<std::string> notes;

  double tokens_per_step() const { return static_cast<double>(global_batch_sequences) * sequence_length; }
};

}  // namespace trainsim::sim
