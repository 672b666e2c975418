// ceil_div: a / b rounded up, for a >= 0 and b > 0 (tiles over a matrix, waves over SMs, switches over ports).
#pragma once
#include <concepts>
#include <type_traits>

namespace trainsim {

template <std::integral A, std::integral B>
constexpr std::common_type_t<A, B> ceil_div(A a, B b) {
  return (a + b - 1) / b;
}

}  // namespace trainsim
