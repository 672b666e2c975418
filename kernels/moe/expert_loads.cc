// Load statistics and the seeded skewed-load generator (std::mt19937_64 used directly so every standard
// library gives the same loads for a seed).
#include "kernels/moe/expert_loads.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <stdexcept>

namespace trainsim::kernels {

namespace {
double unit(std::mt19937_64& engine) { return static_cast<double>(engine() >> 11) * (1.0 / 9007199254740992.0); }

// Whole rows proportional to `weights`, summing exactly to `total` (largest remainder).
std::vector<int64_t> apportion(const std::vector<double>& weights, int64_t total) {
  const double sum = std::accumulate(weights.begin(), weights.end(), 0.0);
  std::vector<int64_t> out(weights.size());
  std::vector<std::pair<double, size_t>> remainder;
  int64_t given = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    const double exact = static_cast<double>(total) * weights[i] / sum;
    out[i] = static_cast<int64_t>(std::floor(exact));
    given += out[i];
    remainder.push_back({exact - static_cast<double>(out[i]), i});
  }
  std::stable_sort(remainder.begin(), remainder.end(), [](auto a, auto b) { return a.first > b.first; });
  for (size_t j = 0; given < total; ++j, ++given) ++out[remainder[j % remainder.size()].second];
  return out;
}
}  // namespace

double max_vio(std::span<const int64_t> loads) {
  if (loads.empty()) return 0;
  const double total = static_cast<double>(std::accumulate(loads.begin(), loads.end(), int64_t{0}));
  if (total == 0) return 0;
  const double mean = total / static_cast<double>(loads.size());
  return static_cast<double>(*std::max_element(loads.begin(), loads.end())) / mean - 1.0;
}

std::vector<int64_t> loads_from_ids(std::span<const int> expert_ids, int num_experts) {
  std::vector<int64_t> loads(num_experts, 0);
  for (int id : expert_ids)
    if (id >= 0 && id < num_experts) ++loads[id];
  return loads;
}

std::vector<int64_t> skewed_loads(int num_experts, int64_t total_rows, double v, uint64_t seed) {
  if (num_experts < 1 || total_rows < 0) throw std::invalid_argument("skewed_loads: need experts >= 1, rows >= 0");
  if (!(v >= 0) || v > num_experts - 1)
    throw std::invalid_argument("skewed_loads: MaxVio must be in [0, num_experts - 1] (the hot expert takes all rows at most)");
  if (v == 0 || num_experts == 1) return apportion(std::vector<double>(num_experts, 1.0), total_rows);
  std::mt19937_64 engine(seed);
  const double mean = static_cast<double>(total_rows) / num_experts;
  const int hot = static_cast<int>(engine() % static_cast<uint64_t>(num_experts));
  const int64_t hot_rows = std::min<int64_t>(total_rows, std::llround((1.0 + v) * mean));
  std::vector<double> weights;
  for (int e = 0; e + 1 < num_experts; ++e) weights.push_back(0.75 + 0.5 * unit(engine));
  std::vector<int64_t> others = apportion(weights, total_rows - hot_rows);
  // NOTE: with v > 0 the others average below the mean and jitter is +-25%, so they exceed the hot expert only
  // for tiny v; clamp and move the excess to the least loaded expert so the hot one stays the maximum.
  for (int64_t& rows : others) {
    if (rows > hot_rows) {
      *std::min_element(others.begin(), others.end()) += rows - hot_rows;
      rows = hot_rows;
    }
  }
  others.insert(others.begin() + hot, hot_rows);
  return others;
}

std::vector<int> ids_for_loads(std::span<const int64_t> loads, int64_t tokens, int top_k, uint64_t seed) {
  std::vector<int> ids;
  ids.reserve(static_cast<size_t>(tokens * top_k));
  for (size_t e = 0; e < loads.size(); ++e) ids.insert(ids.end(), static_cast<size_t>(loads[e]), static_cast<int>(e));
  if (static_cast<int64_t>(ids.size()) != tokens * top_k)
    throw std::invalid_argument("ids_for_loads: loads must sum to tokens * top_k");
  std::mt19937_64 engine(seed);
  for (size_t i = ids.size(); i > 1; --i) std::swap(ids[i - 1], ids[engine() % i]);  // Fisher-Yates
  return ids;
}

}  // namespace trainsim::kernels
