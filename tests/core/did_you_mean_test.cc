// Suggestions for misspelt keys: close words are suggested, unrelated ones are not.
#include "core/did_you_mean.h"

#include <gtest/gtest.h>

#include <vector>

namespace trainsim {
namespace {

TEST(DidYouMean, EditDistance) {
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("pp", "pp"), 0u);
  EXPECT_EQ(edit_distance("rnu", "run"), 1u);  // a swap of neighbours is one edit
  EXPECT_EQ(edit_distance("fish", "bash"), 2u);
}

TEST(DidYouMean, ShortWordsAllowOneEdit) {
  const std::vector<std::string> commands{"run", "models", "gpus", "bench"};
  EXPECT_EQ(did_you_mean("rnu", commands), "did you mean 'run'?");
  EXPECT_EQ(did_you_mean("gpu", commands), "did you mean 'gpus'?");
  const std::vector<std::string> shells{"bash", "zsh"};
  EXPECT_EQ(did_you_mean("fish", shells), "");  // another shell, not a typo
}

TEST(DidYouMean, SuggestsTheClosestKnownKey) {
  const std::vector<std::string> keys{"pp", "tp", "ep", "dp", "schedule", "micro_batch_size"};
  EXPECT_EQ(did_you_mean("schedul", keys), "did you mean 'schedule'?");
  EXPECT_EQ(did_you_mean("micro_batchsize", keys), "did you mean 'micro_batch_size'?");
  EXPECT_EQ(did_you_mean("completely_unrelated", keys), "");
}

// Trainsim issue 14: a hint is given only when following it fixes the error. A name whose numbers differ
// names another thing (an 8B model is not a 70B one), however few characters apart.
TEST(DidYouMean, NeverSuggestsANameWithOtherNumbers) {
  const std::vector<std::string> presets{"deepseek-v3", "llama-3.1-70b", "llama-3.1-405b"};
  EXPECT_EQ(did_you_mean("llama-3.1-8b", presets), "");
  EXPECT_EQ(did_you_mean("llama-3.1-7b", presets), "");
  EXPECT_EQ(did_you_mean("lama-3.1-70b", presets), "did you mean 'llama-3.1-70b'?");
  EXPECT_EQ(did_you_mean("deepseek-v2", presets), "");
  EXPECT_EQ(did_you_mean("deepsek-v3", presets), "did you mean 'deepseek-v3'?");
  const std::vector<std::string> gpus{"h100", "h800", "a100"};
  EXPECT_EQ(did_you_mean("h20", gpus), "");
  EXPECT_EQ(did_you_mean("h8000", gpus), "did you mean 'h800'?");  // a key pressed twice
  EXPECT_EQ(did_you_mean("H100", gpus), "did you mean 'h100'?");
}

}  // namespace
}  // namespace trainsim
