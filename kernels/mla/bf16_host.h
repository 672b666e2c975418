// Host-side BF16 rounding (round to nearest even, NaN kept), so CPU code can build the exact values a BF16
// device tensor holds and state error bounds per dtype. Bit layout: the top 16 bits of an IEEE float.
#pragma once
#include <cstdint>
#include <cstring>

namespace trainsim::kernels {

inline uint16_t float_to_bf16_bits(float x) {
  uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  if ((u & 0x7f800000u) == 0x7f800000u && (u & 0x007fffffu)) return static_cast<uint16_t>((u >> 16) | 0x40);
  u += 0x7fffu + ((u >> 16) & 1u);
  return static_cast<uint16_t>(u >> 16);
}

inline float bf16_bits_to_float(uint16_t b) {
  const uint32_t u = uint32_t(b) << 16;
  float x;
  std::memcpy(&x, &u, sizeof x);
  return x;
}

inline float round_to_bf16(float x) { return bf16_bits_to_float(float_to_bf16_bits(x)); }

}  // namespace trainsim::kernels
