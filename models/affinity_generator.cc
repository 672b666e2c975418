// Latents are standard normal per expert, so every correlation is a weighted sum sqrt(r) x + sqrt(1 - r) y
// of unit-variance draws; the Zipf law is applied to their ranks.
#include "models/affinity_generator.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <numeric>

#include "core/error.h"

namespace trainsim::models {
namespace {

enum StreamTag : uint64_t { kLayerBase = 1, kLayerDrift, kMicrobatch };

std::vector<double> normals(uint64_t seed, int n) {
  SeededRandom rng(seed);
  std::vector<double> out(static_cast<size_t>(n));
  for (double& x : out) x = rng.normal();
  return out;
}

// sqrt(a) x + sqrt(1 - a) y, element by element.
void blend(std::vector<double>& x, const std::vector<double>& y, double a) {
  const double wx = std::sqrt(a), wy = std::sqrt(1.0 - a);
  for (size_t i = 0; i < x.size(); ++i) x[i] = wx * x[i] + wy * y[i];
}

}  // namespace

AffinityGenerator::AffinityGenerator(const RouterSpec& spec, int num_experts, uint64_t seed)
    : spec_(spec), num_experts_(num_experts), seed_(seed) {
  TS_CHECK(num_experts >= 1);
}

// A layer's latent at a step: an AR(1) chain over layers (layer_correlation between neighbours), each link a
// rotation between two fixed draws as steps pass (drift_steps).
std::vector<double> AffinityGenerator::layer_latent(int moe_layer, int64_t step) const {
  const double angle = spec_.drift_steps > 0
                           ? std::numbers::pi / 2 * static_cast<double>(step) / spec_.drift_steps
                           : 0.0;
  auto innovation = [&](int layer) {
    std::vector<double> a = normals(stream_seed(seed_, kLayerBase, static_cast<uint64_t>(layer)), num_experts_);
    if (angle == 0.0) return a;
    const std::vector<double> b = normals(stream_seed(seed_, kLayerDrift, static_cast<uint64_t>(layer)), num_experts_);
    for (size_t i = 0; i < a.size(); ++i) a[i] = std::cos(angle) * a[i] + std::sin(angle) * b[i];
    return a;
  };
  const double r = std::clamp(spec_.layer_correlation, 0.0, 1.0);
  std::vector<double> z = innovation(0);
  for (int layer = 1; layer <= moe_layer; ++layer) {
    // correlation r between neighbours: z_l = r z_(l-1) + sqrt(1 - r^2) w_l
    if (r == 0.0) {
      z = innovation(moe_layer);
      break;
    }
    blend(z, innovation(layer), r * r);
  }
  return z;
}

std::vector<double> AffinityGenerator::latent(int moe_layer, int64_t step, int microbatch) const {
  std::vector<double> z = layer_latent(moe_layer, step);
  const double r = spec_.sequence_aux_loss ? 1.0 : std::clamp(spec_.microbatch_correlation, 0.0, 1.0);
  if (r < 1.0)
    blend(z, normals(stream_seed(seed_, kMicrobatch, static_cast<uint64_t>(moe_layer), static_cast<uint64_t>(step),
                                 static_cast<uint64_t>(microbatch)),
                     num_experts_),
          r);
  return z;
}

std::vector<double> AffinityGenerator::popularity(int moe_layer, int64_t step, int microbatch) const {
  const std::vector<double> z = latent(moe_layer, step, microbatch);
  std::vector<int> order(z.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return z[size_t(a)] > z[size_t(b)]; });
  std::vector<double> pop(z.size());
  for (size_t rank = 0; rank < order.size(); ++rank)
    pop[size_t(order[rank])] = -spec_.zipf_exponent * std::log(static_cast<double>(rank + 1));
  const double mean = std::accumulate(pop.begin(), pop.end(), 0.0) / static_cast<double>(pop.size());
  for (double& p : pop) p -= mean;
  return pop;
}

std::vector<double> AffinityGenerator::popularity_from_counts(std::span<const int64_t> counts) {
  std::vector<double> pop(counts.size());
  for (size_t e = 0; e < counts.size(); ++e) pop[e] = std::log(static_cast<double>(counts[e]) + 0.5);
  const double mean = std::accumulate(pop.begin(), pop.end(), 0.0) / static_cast<double>(std::max<size_t>(1, pop.size()));
  for (double& p : pop) p -= mean;
  return pop;
}

}  // namespace trainsim::models
