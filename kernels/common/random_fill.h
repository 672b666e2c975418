// Seeded random inputs for kernel checks and CPU-reference tests (never zeros: they hide unwritten outputs).
#pragma once
#include <cstdint>
#include <span>
#include <vector>

namespace trainsim::kernels {

// Fills `out` with normal(0, stddev) values from a 64-bit seed; the same seed gives the same values.
void fill_normal(std::span<float> out, uint64_t seed, float stddev = 1.0f);
// Fills `out` with uniform values in [low, high).
void fill_uniform(std::span<float> out, uint64_t seed, float low, float high);
// `count` of fill_uniform's values in [-1, 1), widened to double: the inputs of the host calibration driver's FP64
// references, whose time depends on the sizes and not the values (no data-dependent branch), and in whose FP8
// GEMMs such values keep the scales in range.
std::vector<double> uniform_doubles(std::size_t count, uint64_t seed);

}  // namespace trainsim::kernels
