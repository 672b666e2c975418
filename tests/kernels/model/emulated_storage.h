// What the tests of the reduced model's device kernels (memory_bound_kernels.cuh, embedding_and_loss_kernels.cuh) share
// when they run the kernels' source on the CPU: the emulated launch, each storage type's bounds, and inputs stored
// and read back as the CUDA back-end stores and reads them (memory_bound_on_device.cuh). The bounds:
// - double (FP64 arithmetic): the references' own arithmetic, in another order where a kernel reduces over a tree:
//   n terms differ by at most about n 2^-53 of their magnitudes (1e-14 here, n under 100); bound 1e-12;
// - __nv_bfloat16 (FP32 arithmetic), inputs BF16-representable so both sides read the same values: each output is
//   rounded to BF16 once (2^-9 relative, nearest even) after FP32 arithmetic of under 100 terms (100 x 2^-24 =
//   6e-6 of their magnitudes); bound 2^-8, twice the rounding. Outputs kept in FP32 (the gamma and gate gradients):
//   FP32 sums of n random-sign terms lose n 2^-24 of sum |t|, about sqrt(n) |sum t|: 2^-15 at n = 64; bound 2^-12.
// Include it after tests/kernels/common/cuda_host_emulation.h.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <type_traits>
#include <vector>

#include "kernels/mla/bf16_host.h"
#include "tests/kernels/mla/mla_test_util.h"

namespace trainsim::kernels::testing::emulated_storage {

// The storage types the kernels are instantiated for, for typed tests.
using StorageTypes = ::testing::Types<double, __nv_bfloat16>;

constexpr auto kEmulated = [](dim3 grid, dim3 block, auto kernel, auto... args) {
  emulation::launch(grid, block, 0, kernel, args...);
};

template <class T>
constexpr bool kBf16 = std::is_same_v<T, __nv_bfloat16>;

// Bounds of the header's comment: a stored output, and one kept in the arithmetic's type.
template <class T>
double stored_bound() {
  return kBf16<T> ? std::ldexp(1.0, -8) : 1e-12;
}
template <class T>
double arithmetic_bound() {
  return kBf16<T> ? std::ldexp(1.0, -12) : 1e-12;
}

// Random values both sides read alike: BF16-representable where T is BF16.
template <class T>
std::vector<double> values(size_t n, unsigned long long seed) {
  std::vector<double> x = random_doubles(n, seed);
  if constexpr (kBf16<T>)
    for (double& e : x) e = round_to_bf16(float(e));
  return x;
}
template <class T>
std::vector<T> stored(const std::vector<double>& x) {
  std::vector<T> out(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    if constexpr (kBf16<T>)
      out[i] = __float2bfloat16(float(x[i]));
    else
      out[i] = x[i];
  }
  return out;
}
template <class T>
std::vector<double> read(const std::vector<T>& x) {
  std::vector<double> out(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    if constexpr (kBf16<T>)
      out[i] = __bfloat162float(x[i]);
    else
      out[i] = x[i];
  }
  return out;
}
template <class A>
std::vector<A> in_arithmetic(const std::vector<double>& x) {
  return std::vector<A>(x.begin(), x.end());
}

}  // namespace trainsim::kernels::testing::emulated_storage
