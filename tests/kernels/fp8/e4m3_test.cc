// E4M3 conversion against an independent decoding of all 256 codes from their bit fields (OCP 8-bit
// floating point specification, E4M3: bias 7, no infinities, S.1111.111 NaN), and its rounding of midpoints.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "kernels/fp8/e4m3.h"

namespace trainsim::kernels::fp8 {
namespace {

// Independent of e4m3.h: integer fields, value = (-1)^s * 2^(e-7) * (1 + m/8), or 2^-6 * m/8 when e == 0.
struct Decoded {
  bool nan = false;
  double value = 0;
};
Decoded decode_by_fields(int code) {
  const int s = (code >> 7) & 1, e = (code >> 3) & 15, m = code & 7;
  if (e == 15 && m == 7) return {true, 0};
  const double magnitude = e == 0 ? std::pow(2.0, -6) * (m / 8.0) : std::pow(2.0, e - 7) * (1.0 + m / 8.0);
  return {false, s ? -magnitude : magnitude};
}

TEST(E4m3, DecodesEveryCodeLikeItsBitFields) {
  for (int code = 0; code < 256; ++code) {
    const Decoded expected = decode_by_fields(code);
    const float got = e4m3_to_float(static_cast<uint8_t>(code));
    if (expected.nan) {
      EXPECT_TRUE(std::isnan(got)) << "code " << code;
    } else {
      EXPECT_EQ(static_cast<double>(got), expected.value) << "code " << code;
    }
  }
  EXPECT_EQ(e4m3_to_float(0x7E), 448.0f);
  EXPECT_EQ(e4m3_to_float(0x01), std::ldexp(1.0f, -9));
  EXPECT_EQ(e4m3_to_float(0x08), std::ldexp(1.0f, -6));
}

TEST(E4m3, EncodeOfDecodeIsIdentityForEveryFiniteCode) {
  int finite = 0;
  for (int code = 0; code < 256; ++code) {
    const Decoded d = decode_by_fields(code);
    if (d.nan) continue;
    ++finite;
    EXPECT_EQ(float_to_e4m3(static_cast<float>(d.value)), code) << "value " << d.value;
  }
  EXPECT_EQ(finite, 254);
}

// Positive finite codes in increasing order of value: 0x00 .. 0x7E.
std::vector<double> positive_values() {
  std::vector<double> v;
  for (int code = 0; code <= 0x7E; ++code) v.push_back(decode_by_fields(code).value);
  return v;
}

TEST(E4m3, MidpointsRoundToEvenAndNeighboursToNearest) {
  const std::vector<double> v = positive_values();
  for (int lo = 0; lo + 1 < static_cast<int>(v.size()); ++lo) {
    ASSERT_LT(v[lo], v[lo + 1]);
    const double mid = 0.5 * (v[lo] + v[lo + 1]);  // exact in float: values have 4 significant bits
    const int even = (lo % 2 == 0) ? lo : lo + 1;  // the code with an even last mantissa bit
    for (int sign : {1, -1}) {
      const int sign_bit = sign < 0 ? 0x80 : 0x00;
      const auto f = static_cast<float>(sign * mid);
      EXPECT_EQ(float_to_e4m3(f), sign_bit | even) << "midpoint " << f;
      EXPECT_EQ(float_to_e4m3(std::nextafter(f, 0.0f)), sign_bit | lo) << "below midpoint " << f;
      EXPECT_EQ(float_to_e4m3(std::nextafter(f, sign < 0 ? -1e9f : 1e9f)), sign_bit | (lo + 1)) << "above midpoint " << f;
    }
  }
}

TEST(E4m3, SaturatesBeyond448AndKeepsNan) {
  EXPECT_EQ(float_to_e4m3(448.0f), 0x7E);
  EXPECT_EQ(float_to_e4m3(464.0f), 0x7E);  // would round to 480 without saturation
  EXPECT_EQ(float_to_e4m3(1e30f), 0x7E);
  EXPECT_EQ(float_to_e4m3(-1e30f), 0xFE);
  EXPECT_EQ(float_to_e4m3(INFINITY), 0x7E);
  EXPECT_EQ(float_to_e4m3(-INFINITY), 0xFE);
  EXPECT_EQ(float_to_e4m3(NAN) & 0x7F, 0x7F);
  EXPECT_EQ(float_to_e4m3(-0.0f), 0x80);
  EXPECT_EQ(float_to_e4m3(std::ldexp(1.0f, -10)), 0x00);        // half the smallest subnormal: tie to zero
  EXPECT_EQ(float_to_e4m3(std::ldexp(1.0f, -100)), 0x00);       // underflow
  EXPECT_EQ(float_to_e4m3(std::ldexp(1.5f, -10)), 0x01);        // nearer the smallest subnormal
}

TEST(E4m3, Bf16RoundsToNearestEven) {
  EXPECT_EQ(round_to_bf16(1.0f), 1.0f);
  EXPECT_EQ(round_to_bf16(1.0f + std::ldexp(1.0f, -8)), 1.0f);                          // tie, to even
  EXPECT_EQ(round_to_bf16(1.0f + 3 * std::ldexp(1.0f, -8)), 1.0f + std::ldexp(1.0f, -6));  // tie, to even
  EXPECT_EQ(round_to_bf16(1.0f + std::ldexp(1.0f, -8) + std::ldexp(1.0f, -20)), 1.0f + std::ldexp(1.0f, -7));
}

}  // namespace
}  // namespace trainsim::kernels::fp8
