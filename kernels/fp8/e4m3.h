// FP8 E4M3 (OCP "E4M3FN", the format of Hopper's tensor cores) converted bit-exactly on the CPU: 1 sign,
// 4 exponent bits (bias 7), 3 mantissa bits, no infinities, S.1111.111 is NaN, largest finite 448, smallest
// subnormal 2^-9. Encoding rounds to nearest even and saturates like cvt.rn.satfinite.e4m3x2.f32 (PTX ISA).
#pragma once
#include <bit>
#include <cmath>
#include <cstdint>

namespace trainsim::kernels::fp8 {

inline constexpr float kE4m3Max = 448.0f;         // S.1111.110 = 1.75 * 2^8
inline constexpr uint8_t kE4m3MaxCode = 0x7E;     // positive largest finite
inline constexpr uint8_t kE4m3NanCode = 0x7F;     // positive NaN (0xFF is the negative one)
inline constexpr int kE4m3Bias = 7;
inline constexpr int kE4m3MantissaBits = 3;

// Decodes one code from its bit fields.
inline float e4m3_to_float(uint8_t code) {
  const bool negative = (code & 0x80) != 0;
  const int exponent_field = (code >> 3) & 0xF;
  const int mantissa = code & 0x7;
  if (exponent_field == 0xF && mantissa == 0x7) return std::nanf("");
  const float magnitude = exponent_field == 0
                              ? std::ldexp(static_cast<float>(mantissa), 1 - kE4m3Bias - kE4m3MantissaBits)
                              : std::ldexp(static_cast<float>(8 + mantissa), exponent_field - kE4m3Bias - 3);
  return negative ? -magnitude : magnitude;
}

// Encodes with round-to-nearest-even, saturating finite and infinite values beyond 448 to +-448 and keeping
// NaN a NaN (the __NV_SATFINITE behaviour of cuda_fp8.h).
inline uint8_t float_to_e4m3(float value) {
  const uint8_t sign = (std::bit_cast<uint32_t>(value) >> 31) != 0 ? 0x80 : 0x00;
  if (std::isnan(value)) return sign | kE4m3NanCode;
  const float magnitude = std::fabs(value);
  if (magnitude >= kE4m3Max) return sign | kE4m3MaxCode;
  // NOTE: scaling by a power of two is exact in float, and nearbyint rounds half to even in the default
  // rounding mode, so each branch below performs the one rounding the hardware performs.
  if (magnitude < std::ldexp(1.0f, 1 - kE4m3Bias)) {  // subnormal range: units of 2^-9
    const auto units = static_cast<uint8_t>(std::nearbyint(std::ldexp(magnitude, kE4m3Bias - 1 + 3)));
    return sign | units;  // 8 units is 2^-6, whose code 0x08 is the smallest normal: the encoding carries over
  }
  int exponent = 0;
  std::frexp(magnitude, &exponent);  // magnitude = f * 2^exponent, f in [0.5, 1)
  exponent -= 1;                      // now magnitude = 1.m * 2^exponent, exponent in [-6, 8]
  auto significand = static_cast<int>(std::nearbyint(std::ldexp(magnitude, 3 - exponent)));  // [8, 16]
  if (significand == 16) {
    significand = 8;
    exponent += 1;
  }
  return sign | static_cast<uint8_t>(((exponent + kE4m3Bias) << 3) | (significand - 8));
}

// Round-to-nearest-even to BF16, returned widened to float (the __float2bfloat16_rn behaviour; NaN kept).
inline float round_to_bf16(float value) {
  if (std::isnan(value)) return value;
  const uint32_t bits = std::bit_cast<uint32_t>(value);
  const uint32_t rounded = (bits + 0x7FFFu + ((bits >> 16) & 1u)) & 0xFFFF0000u;
  return std::bit_cast<float>(rounded);
}

}  // namespace trainsim::kernels::fp8
