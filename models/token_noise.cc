// The draws of token_noise.h; every token's stream is stream_seed(stream, kTokenNoise, token).
#include "models/token_noise.h"

#include <algorithm>
#include <boost/random/exponential_distribution.hpp>
#include <cmath>
#include <limits>

#include "core/error.h"
#include "models/seeded_random.h"

namespace trainsim::models {
namespace {

constexpr uint64_t kTokenNoise = 12;  // stream tag (routing_stream uses 11)

}  // namespace

TokenNoise::TokenNoise(std::span<const double> popularity, double noise_scale, kernels::RouterScoring scoring)
    : popularity_term_(popularity.begin(), popularity.end()), noise_scale_(noise_scale), scoring_(scoring) {
  TS_CHECK(noise_scale > 0 && !popularity.empty());
  if (scoring_ == kernels::RouterScoring::kSigmoid)
    for (double& p : popularity_term_) p = std::exp(-p);
}

void TokenNoise::bases(uint64_t stream, int64_t token, std::span<double> out) const {
  TS_CHECK(out.size() == popularity_term_.size());
  SplitMix64 engine(stream_seed(stream, kTokenNoise, static_cast<uint64_t>(token)));
  boost::random::exponential_distribution<double> exponential;  // rate 1
  const size_t n = out.size();
  if (scoring_ == kernels::RouterScoring::kSigmoid) {
    // exp(-logit) = exp(-popularity) * exp(-G)^noise_scale = exp(-popularity) * X^noise_scale
    if (noise_scale_ == 1.0) {
      for (size_t e = 0; e < n; ++e) out[e] = kernels::sigmoid_from_exp_neg(popularity_term_[e] * exponential(engine));
    } else {
      for (size_t e = 0; e < n; ++e)
        out[e] = kernels::sigmoid_from_exp_neg(popularity_term_[e] * std::pow(exponential(engine), noise_scale_));
    }
    return;
  }
  // logit = popularity - noise_scale * ln X. NOTE: the ziggurat returns X = 0 with probability about 2^-53; it
  // is read as the smallest double, so the logit stays finite as the rule requires.
  for (size_t e = 0; e < n; ++e) {
    const double x = std::max(exponential(engine), std::numeric_limits<double>::denorm_min());
    out[e] = popularity_term_[e] - noise_scale_ * std::log(x);
  }
}

}  // namespace trainsim::models
