// Human units: every dimension, bits versus bytes, binary versus decimal prefixes, and the errors.
#include "core/units.h"

#include <gtest/gtest.h>

namespace trainsim {
namespace {

double parsed(std::string_view text, Dimension d) {
  QuantityParse p = parse_quantity(text, d);
  EXPECT_TRUE(p.ok()) << text << ": " << p.error;
  return p.value;
}

TEST(Units, BytesDecimalAndBinary) {
  EXPECT_DOUBLE_EQ(parsed("80 GiB", Dimension::kBytes), 80.0 * 1024 * 1024 * 1024);
  EXPECT_DOUBLE_EQ(parsed("80GB", Dimension::kBytes), 80e9);
  EXPECT_DOUBLE_EQ(parsed("512 B", Dimension::kBytes), 512);
}

TEST(Units, BandwidthInBitsIsDividedByEight) {
  EXPECT_DOUBLE_EQ(parsed("400 Gb/s", Dimension::kBytesPerSecond), 50e9);
  EXPECT_DOUBLE_EQ(parsed("400 Gbps", Dimension::kBytesPerSecond), 50e9);
  EXPECT_DOUBLE_EQ(parsed("50 GB/s", Dimension::kBytesPerSecond), 50e9);
  EXPECT_DOUBLE_EQ(parsed("3.35 TB/s", Dimension::kBytesPerSecond), 3.35e12);
}

TEST(Units, TimesRatesMoneyPowerCounts) {
  EXPECT_DOUBLE_EQ(parsed("2 us", Dimension::kSeconds), 2e-6);
  EXPECT_DOUBLE_EQ(parsed("3.7us", Dimension::kSeconds), 3.7e-6);
  EXPECT_DOUBLE_EQ(parsed("989 TFLOP/s", Dimension::kFlopsPerSecond), 989e12);
  EXPECT_DOUBLE_EQ(parsed("1979 TFLOPS", Dimension::kFlopsPerSecond), 1979e12);
  EXPECT_DOUBLE_EQ(parsed("$2/h", Dimension::kUsdPerHour), 2.0 / 3600);
  EXPECT_DOUBLE_EQ(parsed("$30k", Dimension::kUsd), 30000);
  EXPECT_DOUBLE_EQ(parsed("700 W", Dimension::kWatts), 700);
  EXPECT_DOUBLE_EQ(parsed("14.8T", Dimension::kCount), 14.8e12);
  EXPECT_DOUBLE_EQ(parsed("469B", Dimension::kCount), 469e9);
  EXPECT_DOUBLE_EQ(parsed("4096", Dimension::kCount), 4096);
  EXPECT_DOUBLE_EQ(parsed("75%", Dimension::kFraction), 0.75);
  EXPECT_DOUBLE_EQ(parsed("1.98 GHz", Dimension::kHertz), 1.98e9);
  EXPECT_DOUBLE_EQ(parsed("1980 MHz", Dimension::kHertz), 1.98e9);
}

TEST(Units, BareNumberWhereAUnitIsRequiredIsAnError) {
  for (Dimension d : {Dimension::kBytes, Dimension::kBytesPerSecond, Dimension::kSeconds, Dimension::kFlopsPerSecond,
                      Dimension::kWatts, Dimension::kHertz}) {
    QuantityParse p = parse_quantity("400", d);
    EXPECT_FALSE(p.ok());
    EXPECT_NE(p.error.find("unit"), std::string::npos) << p.error;
  }
  EXPECT_FALSE(parse_quantity("2", Dimension::kUsdPerHour).ok());
}

TEST(Units, UnknownUnitsAndGarbageAreErrors) {
  EXPECT_NE(parse_quantity("50 GBs", Dimension::kBytesPerSecond).error.find("GBs"), std::string::npos);
  EXPECT_NE(parse_quantity("80 gigs", Dimension::kBytes).error.find("unknown unit 'gigs'"), std::string::npos);
  EXPECT_FALSE(parse_quantity("fast", Dimension::kSeconds).ok());
  EXPECT_FALSE(parse_quantity("$2/week", Dimension::kUsdPerHour).ok());
  EXPECT_FALSE(parse_quantity("", Dimension::kCount).ok());
  EXPECT_FALSE(parse_quantity("nan", Dimension::kCount).ok());
}

TEST(Units, FormatRoundTripsForDisplay) {
  EXPECT_EQ(format_quantity(50e9, Dimension::kBytesPerSecond), "50 GB/s");
  EXPECT_EQ(format_quantity(80.0 * 1073741824.0, Dimension::kBytes), "80 GiB");
  EXPECT_EQ(format_quantity(2e-6, Dimension::kSeconds), "2 us");
}

}  // namespace
}  // namespace trainsim
