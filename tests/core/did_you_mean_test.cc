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
}

TEST(DidYouMean, SuggestsTheClosestKnownKey) {
  const std::vector<std::string> keys{"pp", "tp", "ep", "dp", "schedule", "micro_batch_size"};
  EXPECT_EQ(did_you_mean("schedul", keys), "did you mean 'schedule'?");
  EXPECT_EQ(did_you_mean("micro_batchsize", keys), "did you mean 'micro_batch_size'?");
  EXPECT_EQ(did_you_mean("completely_unrelated", keys), "");
}

}  // namespace
}  // namespace trainsim
