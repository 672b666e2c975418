// std::mt19937_64 with explicit Box-Muller, so values are identical across standard libraries.
#include "kernels/common/random_fill.h"

#include <cmath>
#include <random>

namespace trainsim::kernels {

namespace {
double unit_open(std::mt19937_64& engine) {  // (0, 1), never 0 so log() is finite
  return (static_cast<double>(engine() >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}
}  // namespace

void fill_normal(std::span<float> out, uint64_t seed, float stddev) {
  std::mt19937_64 engine(seed);
  constexpr double kTwoPi = 6.283185307179586;
  for (size_t i = 0; i < out.size(); i += 2) {
    const double radius = std::sqrt(-2.0 * std::log(unit_open(engine)));
    const double angle = kTwoPi * unit_open(engine);
    out[i] = static_cast<float>(stddev * radius * std::cos(angle));
    if (i + 1 < out.size()) out[i + 1] = static_cast<float>(stddev * radius * std::sin(angle));
  }
}

void fill_uniform(std::span<float> out, uint64_t seed, float low, float high) {
  std::mt19937_64 engine(seed);
  for (float& v : out) v = static_cast<float>(low + (high - low) * unit_open(engine));
}

std::vector<double> uniform_doubles(std::size_t count, uint64_t seed) {
  std::vector<float> uniform(count);
  fill_uniform(uniform, seed, -1.0f, 1.0f);
  return {uniform.begin(), uniform.end()};
}

}  // namespace trainsim::kernels
