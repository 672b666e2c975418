// The router's random numbers: std::mt19937_64 with the transforms written out (uniform from 53 bits,
// Box-Muller normal), so a seed gives the same bytes with every standard library; independent streams per
// (step, layer, micro-batch) from SplitMix64 (Steele et al. 2014) mixing, and SplitMix64 itself as the
// generator of streams cheap enough to seed once per token (models/token_noise.h).
#pragma once
#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>

namespace trainsim::models {

// SplitMix64's finalizer: a bijection of 64-bit words that spreads every input bit over the output.
constexpr uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// The seed of one stream: the scenario seed, a purpose tag and up to three coordinates.
constexpr uint64_t stream_seed(uint64_t seed, uint64_t tag, uint64_t a = 0, uint64_t b = 0, uint64_t c = 0) {
  return splitmix64(splitmix64(splitmix64(splitmix64(seed ^ splitmix64(tag)) ^ a) ^ b) ^ c);
}

class SeededRandom {
 public:
  explicit SeededRandom(uint64_t seed) : engine_(seed) {}

  // Uniform on the open interval (0, 1): 53 bits, offset by half a step so neither end occurs.
  double unit() { return (static_cast<double>(engine_() >> 11) + 0.5) * (1.0 / 9007199254740992.0); }
  // Uniform integer in [0, n) for n < 2^32: the high half of a 32 x 32-bit product (Lemire 2019, without
  // the rejection step: a bias below n / 2^32, nil for the pool sizes here).
  uint64_t below(uint64_t n) { return ((engine_() >> 32) * n) >> 32; }
  // Standard normal by Box-Muller (one of the pair; the cost is immaterial where it is used).
  double normal() { return std::sqrt(-2.0 * std::log(unit())) * std::cos(2.0 * std::numbers::pi * unit()); }

 private:
  std::mt19937_64 engine_;
};

// SplitMix64 as a UniformRandomBitGenerator: output i of the stream seeded x is splitmix64(x + i * gamma)
// (Steele et al. 2014; it passes BigCrush). Its state is one word, so seeding it costs nothing, where
// std::mt19937_64 fills 312 words: the token noise seeds one stream per token; and a draw costs a few
// multiplies, where the pool's draws take one per token of a micro-batch (expert_router.cc).
class SplitMix64 {
 public:
  using result_type = uint64_t;
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return ~result_type{0}; }
  result_type operator()() {
    const uint64_t out = splitmix64(state_);
    state_ += 0x9e3779b97f4a7c15ull;
    return out;
  }
  // Uniform integer in [0, n) for n < 2^32, as SeededRandom::below.
  uint64_t below(uint64_t n) { return (((*this)() >> 32) * n) >> 32; }

 private:
  uint64_t state_;
};

}  // namespace trainsim::models
