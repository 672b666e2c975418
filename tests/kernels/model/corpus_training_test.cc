// Training on a real text corpus (the Debian package fortunes, skipped when absent): a dozen AdamW steps of the
// small reduced DeepSeek-V3 must take the validation loss well below its start; and a run is a function of its seed.
#include "kernels/model/corpus_training.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>

namespace trainsim::kernels::model {
namespace {

ModelConfig small_config() {
  return load_model_config(std::string(TRAINSIM_SOURCE_DIR) + "/kernels/model/configs/reduced-deepseek-v3-small.json");
}

TEST(CorpusTraining, ValidationLossFallsOnTheFortunesCorpus) {
  if (!std::filesystem::is_directory(kFortunesDirectory))
    GTEST_SKIP() << kFortunesDirectory << " is absent: install the Debian package '" << kFortunesPackage << "'";
  const TokenStream stream = TokenStream::from_directory(kFortunesDirectory, 0.1, kFortunesPackage);
  CorpusTrainingConfig config;
  config.steps = 12;
  config.sequences = 4;
  config.length = 32;
  config.eval_every = 12;
  config.eval_sequences = 16;
  const auto start = std::chrono::steady_clock::now();
  const CorpusTrainingResult r = train_on_corpus(small_config(), stream, config);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double before = r.initial_validation_loss, after = *r.steps.back().validation_loss;
  std::printf("%d steps in %.1f s: validation loss %.3f -> %.3f nats\n", config.steps, seconds, before, after);
  // A uniform prediction costs ln 256 = 5.55 nats per byte (the start is near it, 6.1: random initial logits).
  // Byte frequencies alone bring that to 3.38 nats on the validation part (a unigram of the train part, add-one
  // smoothed, counted by a separate script for kernels/model/NOTES.md; Shannon 1951 gives 4.03 bits = 2.8 nats for
  // 26 letters and the space), so a model that has learnt byte frequencies and nothing more sits over 2 nats below
  // the start. Asking for 1 nat leaves half of that for 16 validation windows' noise and a model still learning.
  EXPECT_LT(after, before - 1.0);
  for (const TrainingStepRecord& s : r.steps) EXPECT_TRUE(std::isfinite(s.total_loss));
}

// 4,000 bytes of a pangram: a corpus for runs of a few short steps that need no package.
TokenStream pangram_stream() {
  std::string text;
  for (int i = 0; i < 4000; ++i) text += "the quick brown fox jumps over the lazy dog. "[i % 45];
  return TokenStream(text, 0.1);
}

// `steps` BF16 steps of 2 sequences of 16 tokens, 2 validation windows.
CorpusTrainingConfig short_run(int steps) {
  CorpusTrainingConfig config;
  config.steps = steps;
  config.sequences = 2;
  config.length = 16;
  config.eval_sequences = 2;
  config.precision = GemmPrecision::kBF16;
  return config;
}

TEST(CorpusTraining, SameSeedSameRun) {
  const TokenStream stream = pangram_stream();
  const CorpusTrainingConfig config = short_run(2);
  const CorpusTrainingResult a = train_on_corpus(small_config(), stream, config);
  const CorpusTrainingResult b = train_on_corpus(small_config(), stream, config);
  ASSERT_EQ(a.steps.size(), 2u);
  EXPECT_EQ(a.initial_validation_loss, b.initial_validation_loss);
  for (size_t i = 0; i < a.steps.size(); ++i) {
    EXPECT_EQ(a.steps[i].train_loss, b.steps[i].train_loss);
    EXPECT_EQ(a.steps[i].validation_loss, b.steps[i].validation_loss);
  }
  EXPECT_TRUE(a.steps[1].validation_loss.has_value());  // the last step is evaluated
  EXPECT_FALSE(a.steps[0].validation_loss.has_value());
}

TEST(CorpusTraining, EachStepRecordsTheRowsEachExpertComputed) {
  const TokenStream stream = pangram_stream();
  CorpusTrainingConfig config = short_run(3);
  const ModelConfig model = small_config();
  const CorpusTrainingResult r = train_on_corpus(model, stream, config);
  // Small config: 4 layers, the first dense, and one MTP depth: 3 + 1 MoE blocks of 16 experts, top 4.
  ASSERT_EQ(model.num_hidden_layers - model.first_k_dense_replace + model.num_nextn_predict_layers, 4);
  ASSERT_EQ(model.num_experts_per_tok, 4);
  // Each sequence is read as length + 1 tokens; the MTP module predicts one token further and sees one fewer
  // (DeepSeek-V3 section 2.2: i = 1 .. T - 1 at depth 1). Each token picks top-k distinct experts.
  const std::int64_t tokens = 2 * 17, mtp_tokens = 2 * 16;
  for (const TrainingStepRecord& step : r.steps) {
    ASSERT_EQ(step.expert_rows.size(), 4u) << step.step;
    for (std::size_t block = 0; block < 4; ++block) {
      const std::vector<std::int64_t>& rows = step.expert_rows[block];
      ASSERT_EQ(rows.size(), 16u);
      const std::int64_t block_tokens = block < 3 ? tokens : mtp_tokens;
      std::int64_t sum = 0;
      for (const std::int64_t expert : rows) {
        EXPECT_GE(expert, 0);
        EXPECT_LE(expert, block_tokens);  // an expert is chosen at most once per token
        sum += expert;
      }
      EXPECT_EQ(sum, block_tokens * 4) << "step " << step.step << " block " << block;
    }
  }
  // Timing every op changes no row: `trainsim validate` learns each step's routing from an untimed run of the same
  // seed and prices the timed run's steps by it.
  OpTimer timer;
  config.op_timer = &timer;
  const CorpusTrainingResult timed = train_on_corpus(model, stream, config);
  for (std::size_t i = 0; i < r.steps.size(); ++i) EXPECT_EQ(timed.steps[i].expert_rows, r.steps[i].expert_rows);
}

}  // namespace
}  // namespace trainsim::kernels::model
