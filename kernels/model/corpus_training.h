// Training the reduced DeepSeek-V3 on a token stream (token_stream.h): seeded train batches, AdamW steps with the
// bias update (training_step.h), and the mean next-token loss on fixed validation batches every few steps. Shared
// by the training benchmark (train_reduced_model.cc) and the CI test that the validation loss falls.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "kernels/model/adamw.h"
#include "kernels/model/reduced_deepseek_v3.h"
#include "kernels/model/token_stream.h"

namespace trainsim::kernels::model {

struct CorpusTrainingConfig {
  int steps = 100;
  int sequences = 4;            // per batch
  int length = 64;              // tokens per sequence (the model sees length + 1: the last next token completes it)
  unsigned long long seed = 1;  // weights and train batches derive from it
  // The validation windows' own seed: runs of different seeds are scored on the same bytes.
  unsigned long long validation_seed = 2;
  GemmPrecision precision = GemmPrecision::kFP64;
  int eval_every = 25;      // steps between validation losses (also before the first and after the last)
  int eval_sequences = 16;  // windows of the validation part, drawn once
  AdamWConfig adamw{3e-3, 0.9, 0.95, 1e-8, 0.1};  // constant learning rate: a few hundred steps need no schedule
  double bias_update_speed = 0.001;               // gamma (expert_bias_update.h)
  // Times each train step's ops into this recorder (op_timer.h) when set; validation forwards are not timed.
  OpTimer* op_timer = nullptr;
  bool recompute = false;  // RunOptions::deepseek_recomputation
  // Where the GEMMs and the attention core run (RunOptions::backend: the CUDA back-end on a GPU); nullptr: the CPU.
  ComputeBackend* backend = nullptr;
};

struct TrainingStepRecord {
  int step = 0;                           // 0-based
  double train_loss = 0;                  // main next-token cross-entropy of the step's batch, nats (before the update)
  double total_loss = 0;                  // the minimised total (main + 0.3 MTP + balance)
  double seconds = 0;                     // wall time of the step (forward, backward, AdamW, bias update)
  std::optional<double> validation_loss;  // main cross-entropy on the validation batches after this step
  // The rows each routed expert computed in the step's forward: [MoE block][expert], the blocks in
  // ReducedDeepSeekV3's order (main MoE layers, then the MTP modules'); each row is one (token, choice).
  std::vector<std::vector<std::int64_t>> expert_rows;
};

struct CorpusTrainingResult {
  double initial_validation_loss = 0;  // before the first step
  std::vector<TrainingStepRecord> steps;
};

// Runs `config.steps` steps; calls on_step (if set) after each. The validation loss is measured at the
// precision of training, before the first step and after every eval_every-th step and the last.
CorpusTrainingResult train_on_corpus(const ModelConfig& model_config, const TokenStream& stream,
                                     const CorpusTrainingConfig& config,
                                     const std::function<void(const TrainingStepRecord&)>& on_step = {});

}  // namespace trainsim::kernels::model
