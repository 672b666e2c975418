// The range table: each end, as written for users (docs/scenario-ranges.md), parses to the number the code
// compares against, and the documented ends are the ones in the code.
#include "core/input_ranges.h"

#include <gtest/gtest.h>

namespace trainsim {
namespace {

struct Documented {
  const char* name;
  QuantityRange range;
  double min_si;  // from the table in docs/scenario-ranges.md, converted by hand
  double max_si;
};

const Documented kDocumented[] = {
    {"bandwidth", ranges::kBandwidth, 1e6, 1e15},
    {"latency", ranges::kLatency, 0, 1},
    {"price per GPU-hour", ranges::kPricePerGpuHour, 0, 1000.0 / 3600},  // stored per second
    {"tensor peak", ranges::kTensorPeak, 1e9, 1e18},
    {"fp8 peak", ranges::kFp8Peak, 1e9, 1e18},
    {"HBM capacity", ranges::kHbmCapacity, 1e6, 1e15},
    {"memory reserve", ranges::kMemoryReserve, 0, 1e15},
    {"boost clock", ranges::kBoostClock, 1e6, 1e11},
    {"board power", ranges::kBoardPower, 1, 1e5},
    {"tokens", ranges::kTokens, 1, 1e16},
    {"dp bucket", ranges::kDpBucket, 1e6, 1e13},
    {"GPU-hours", ranges::kGpuHours, 1, 1e10},
    {"GPU MTBF", ranges::kGpuMtbf, 3600, 1e8 * 3600},
    {"restart time", ranges::kRestartTime, 0, 7 * 86400},
    {"checkpoint interval", ranges::kCheckpointInterval, 1, 365 * 86400},
    {"node power", ranges::kNodePower, 0, 1e6},
    {"switch power", ranges::kSwitchPower, 0, 1e5},
    {"PUE", ranges::kPue, 1, 3},
    {"hardware price", ranges::kHardwarePrice, 0, 1e9},
    {"depreciation years", ranges::kDepreciationYears, 0.5, 30},
    {"electricity $/kWh", ranges::kElectricityUsdPerKwh, 0, 10},
    {"facility $/kW-month", ranges::kFacilityUsdPerKwMonth, 0, 1e4},
};

TEST(InputRanges, EndsAsWrittenParseToTheEndsCompared) {
  for (const Documented& d : kDocumented) {
    const QuantityParse min = parse_quantity(d.range.min_text, d.range.dimension);
    const QuantityParse max = parse_quantity(d.range.max_text, d.range.dimension);
    ASSERT_TRUE(min.ok() && max.ok()) << d.name << ": " << min.error << max.error;
    // Relative 1e-12: "$1000/h" is divided by 3600 in the parser and in the table alike.
    EXPECT_NEAR(min.value, d.range.min, 1e-12 * d.range.max) << d.name;
    EXPECT_NEAR(max.value, d.range.max, 1e-12 * d.range.max) << d.name;
    EXPECT_NEAR(d.range.min, d.min_si, 1e-12 * d.max_si) << d.name;
    EXPECT_NEAR(d.range.max, d.max_si, 1e-12 * d.max_si) << d.name;
    EXPECT_FALSE(d.range.why.empty()) << d.name;
  }
}

TEST(InputRanges, ZeroIsAllowedOnlyWhereItMeansSomething) {
  EXPECT_TRUE(ranges::kFp8Peak.contains(0));     // no FP8 tensor cores
  EXPECT_TRUE(ranges::kBoostClock.contains(0));  // no clock in the catalog
  EXPECT_TRUE(ranges::kLatency.contains(0));     // an ideal link
  EXPECT_FALSE(ranges::kBandwidth.contains(0));
  EXPECT_FALSE(ranges::kTensorPeak.contains(0));
  EXPECT_FALSE(ranges::kTokens.contains(0));
  EXPECT_FALSE(ranges::kFp8Peak.contains(1e8));  // between 0 and the minimum
}

TEST(InputRanges, TextNamesTheDimensionAndBothEnds) {
  EXPECT_EQ(ranges::kBandwidth.text(), "a bandwidth from 1 MB/s to 1 PB/s");
  EXPECT_EQ(ranges::kFp8Peak.text(), "a compute rate from 1 GFLOP/s to 1000 PFLOP/s, or 0");
  EXPECT_EQ(ranges::kPipelineDegree.text(), "a whole number from 1 to 4096");
}

}  // namespace
}  // namespace trainsim
