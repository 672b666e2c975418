// The token noise against the laws it must keep: with logits = popularity + s x Gumbel, the Gumbel-max identity
// (the top-1 expert is e with probability exp(p_e / s) / sum exp(p / s)) under both scorings, the sigmoid score's
// own distribution (P(sigmoid(G) < 1/2) = P(G < 0) = exp(-1) for a standard Gumbel), and its streams.
#include "models/token_noise.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace trainsim::models {
namespace {

// Frequency of each expert as the top base over `tokens` tokens (no bias, no group limit, top-1).
std::vector<double> top1_frequencies(const TokenNoise& noise, int tokens) {
  std::vector<double> bases(static_cast<size_t>(noise.num_experts())), freq(bases.size(), 0.0);
  for (int t = 0; t < tokens; ++t) {
    noise.bases(17, t, bases);
    freq[static_cast<size_t>(std::max_element(bases.begin(), bases.end()) - bases.begin())] += 1.0 / tokens;
  }
  return freq;
}

TEST(TokenNoise, TopOneFollowsTheGumbelMaxIdentity) {
  const std::vector<double> popularity{0.0, 0.5, 1.0, -0.7, 0.2};
  const int tokens = 200000;
  for (auto scoring : {kernels::RouterScoring::kSigmoid, kernels::RouterScoring::kSoftmax})
    for (double s : {1.0, 0.5, 2.0}) {
      const std::vector<double> freq = top1_frequencies(TokenNoise(popularity, s, scoring), tokens);
      double total = 0;
      for (double p : popularity) total += std::exp(p / s);
      for (size_t e = 0; e < popularity.size(); ++e) {
        const double expected = std::exp(popularity[e] / s) / total;
        // 4.5 binomial standard deviations (at most 0.0011 here): all 30 checks pass by chance with p > 0.9998.
        EXPECT_NEAR(freq[e], expected, 4.5 * std::sqrt(expected * (1 - expected) / tokens))
            << "expert " << e << ", noise " << s << ", scoring " << static_cast<int>(scoring);
      }
    }
}

TEST(TokenNoise, SigmoidScoreOfAZeroLogitIsAStandardGumbelsSigmoid) {
  // popularity 0, scale 1: score = sigmoid(G), below 1/2 exactly when G < 0, probability exp(-exp(0)) = 1/e; its
  // median where G = -ln ln 2, score 1 / (1 + ln 2).
  const TokenNoise noise(std::vector<double>(64, 0.0), 1.0, kernels::RouterScoring::kSigmoid);
  std::vector<double> bases(64);
  const int tokens = 4000;
  double below_half = 0, below_median = 0;
  for (int t = 0; t < tokens; ++t) {
    noise.bases(3, t, bases);
    for (double b : bases) {
      EXPECT_TRUE(b > 0 && b < 1);
      below_half += b < 0.5 ? 1.0 / (64.0 * tokens) : 0.0;
      below_median += b < 1 / (1 + std::log(2.0)) ? 1.0 / (64.0 * tokens) : 0.0;
    }
  }
  const double n = 64.0 * tokens;  // independent draws: binomial sd about 0.0012 of 256,000
  EXPECT_NEAR(below_half, std::exp(-1.0), 4.5 * std::sqrt(0.37 * 0.63 / n));
  EXPECT_NEAR(below_median, 0.5, 4.5 * std::sqrt(0.25 / n));
}

TEST(TokenNoise, EachTokenHasAStreamOfItsOwn) {
  const std::vector<double> popularity{0.1, 0.2, 0.3, 0.4};
  const TokenNoise noise(popularity, 1.0, kernels::RouterScoring::kSoftmax);
  std::vector<double> a(4), b(4), c(4), d(4);
  noise.bases(5, 9, a);
  noise.bases(5, 10, b);  // drawn between two draws of token 9: no effect on it
  noise.bases(5, 9, c);
  noise.bases(6, 9, d);
  EXPECT_EQ(a, c);
  EXPECT_NE(a, b);
  EXPECT_NE(a, d);
}

}  // namespace
}  // namespace trainsim::models
