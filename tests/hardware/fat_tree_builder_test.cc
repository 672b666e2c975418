// Two-layer fat-tree oversubscription: r:1 leaves have radix r/(r+1) ports down and radix/(r+1) up, so a
// leaf holds more NICs and the spines fewer cables (64 ports at 3:1: 48 down, 16 up).
#include "hardware/fat_tree_builder.h"

#include <gtest/gtest.h>

#include "tests/hardware/fabric_test_helpers.h"

namespace trainsim::hw {
namespace {

using testing::fabric;

TEST(FatTree, OversubscribedLeavesHoldMoreNics) {
  // 3,072 NICs, 48 per leaf: 64 leaves, 64 * 16 uplinks on 64-port spines: 16 spines, one cable per pair.
  const Topology t = fabric(TopologyKind::kFatTree, 3072, 64, 8, 3);
  EXPECT_EQ(t.switch_count(), 64 + 16);
  EXPECT_EQ(t.link_count(), 64 * 16);
  EXPECT_THROW(fabric(TopologyKind::kFatTree, 3080, 64, 8, 3), ConfigError);  // 65 leaves on 64-port spines
}

}  // namespace
}  // namespace trainsim::hw
