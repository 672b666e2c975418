// MaxVio and the seeded skewed-load generator: the loads it promises, for the benchmark's placements.
#include <gtest/gtest.h>

#include <numeric>

#include "kernels/moe/expert_loads.h"

namespace trainsim::kernels {
namespace {

int64_t sum(const std::vector<int64_t>& v) { return std::accumulate(v.begin(), v.end(), int64_t{0}); }

TEST(ExpertLoads, MaxVioDefinition) {
  EXPECT_DOUBLE_EQ(max_vio(std::vector<int64_t>{10, 10, 10, 10}), 0.0);
  EXPECT_DOUBLE_EQ(max_vio(std::vector<int64_t>{30, 5, 5, 0}), 30.0 / 10.0 - 1.0);
  EXPECT_DOUBLE_EQ(max_vio(std::vector<int64_t>{0, 0}), 0.0);
}

TEST(ExpertLoads, SkewedLoadsHitTheirMaxVioForTheBenchmarkPlacements) {
  for (int experts : {4, 32})
    for (double v : {0.0, 0.5, 2.0}) {
      const auto loads = skewed_loads(experts, 32768, v, 42);
      ASSERT_EQ(loads.size(), size_t(experts));
      EXPECT_EQ(sum(loads), 32768);
      EXPECT_NEAR(max_vio(loads), v, 1e-3) << experts << " experts, MaxVio " << v;
      for (int64_t rows : loads) EXPECT_GE(rows, 0);
    }
}

TEST(ExpertLoads, SameSeedSameLoadsOtherSeedOtherHotExpert) {
  EXPECT_EQ(skewed_loads(32, 32768, 2.0, 1), skewed_loads(32, 32768, 2.0, 1));
  bool differs = false;
  for (uint64_t seed = 2; seed < 6; ++seed) differs |= skewed_loads(32, 32768, 2.0, 1) != skewed_loads(32, 32768, 2.0, seed);
  EXPECT_TRUE(differs);
}

TEST(ExpertLoads, HotExpertCanTakeEveryRow) {
  const auto loads = skewed_loads(4, 1000, 3.0, 9);
  EXPECT_EQ(sum(loads), 1000);
  EXPECT_EQ(*std::max_element(loads.begin(), loads.end()), 1000);
}

TEST(ExpertLoads, RejectsImpossibleMaxVio) {
  EXPECT_THROW(skewed_loads(4, 100, 3.5, 1), std::invalid_argument);
  EXPECT_THROW(skewed_loads(4, 100, -0.1, 1), std::invalid_argument);
}

TEST(ExpertLoads, IdsRealizeTheLoads) {
  const auto loads = skewed_loads(8, 64 * 4, 2.0, 3);
  const auto ids = ids_for_loads(loads, 64, 4, 3);
  EXPECT_EQ(loads_from_ids(ids, 8), loads);
  EXPECT_THROW(ids_for_loads(loads, 63, 4, 3), std::invalid_argument);
}

}  // namespace
}  // namespace trainsim::kernels
