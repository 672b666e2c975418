// Seeded random inputs for kernel checks and CPU-reference tests (never zeros: they hide unwritten outputs).
#pragma once
#include <cstdint>
#include <span>

namespace trainsim::kernels {

// Fills `out` with normal(0, stddev) values from a 64-bit seed; the same seed gives the same values.
void fill_normal(std::span<float> out, uint64_t seed, float stddev = 1.0f);
// Fills `out` with uniform values in [low, high).
void fill_uniform(std::span<float> out, uint64_t seed, float low, float high);

}  // namespace trainsim::kernels
