// The training loop of corpus_training.h: one seeded generator for train batches, another (validation_seed) drawing
// the validation batches once, so every evaluation, precision and seed sees the same validation tokens.
#include "kernels/model/corpus_training.h"

#include <chrono>
#include <random>

#include "kernels/model/training_step.h"

namespace trainsim::kernels::model {

namespace {
double validation_loss(ReducedDeepSeekV3& model, const TokenBatch& batch) {
  const std::vector<int> ids = batch.model_ids();
  return model.forward(ids, VarlenBatch::uniform(batch.sequences, batch.length + 1)).main_loss;
}
}  // namespace

CorpusTrainingResult train_on_corpus(const ModelConfig& model_config, const TokenStream& stream,
                                     const CorpusTrainingConfig& config,
                                     const std::function<void(const TrainingStepRecord&)>& on_step) {
  ReducedDeepSeekV3 model(model_config, config.seed);
  model.options.gemm_precision = config.precision;
  model.options.deepseek_recomputation = config.recompute;
  model.options.backend = config.backend;
  AdamW optimizer(config.adamw, model.weights);
  std::mt19937_64 train_rng(config.seed), validation_rng(config.validation_seed);
  const TokenBatch validation = stream.sample(Split::kValidation, config.eval_sequences, config.length, validation_rng);
  const VarlenBatch layout = VarlenBatch::uniform(config.sequences, config.length + 1);

  CorpusTrainingResult result{validation_loss(model, validation), {}};
  for (int step = 0; step < config.steps; ++step) {
    const std::vector<int> ids = stream.sample(Split::kTrain, config.sequences, config.length, train_rng).model_ids();
    const auto start = std::chrono::steady_clock::now();
    model.options.op_timer = config.op_timer;
    if (config.op_timer != nullptr) config.op_timer->begin_step();
    const LossReport loss = training_step(model, optimizer, ids, layout, config.bias_update_speed);
    if (config.op_timer != nullptr) config.op_timer->end_step();
    model.options.op_timer = nullptr;
    TrainingStepRecord record{step,
                              loss.main_loss,
                              loss.total_loss,
                              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
                              {},
                              {}};
    // Read before a validation forward replaces the caches' routing.
    for (int block = 0; block < model.moe_block_count(); ++block) {
      std::vector<std::int64_t>& rows = record.expert_rows.emplace_back(model_config.n_routed_experts, 0);
      for (const int expert : model.last_expert_ids(block)) ++rows[static_cast<std::size_t>(expert)];
    }
    if ((step + 1) % config.eval_every == 0 || step + 1 == config.steps)
      record.validation_loss = validation_loss(model, validation);
    result.steps.push_back(record);
    if (on_step) on_step(record);
  }
  return result;
}

}  // namespace trainsim::kernels::model
