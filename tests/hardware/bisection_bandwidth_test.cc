// Bisection bandwidth by max-flow against the laws of fat-trees: a non-blocking one moves half its NICs' line
// rate across any halving; oversubscribing the leaves r:1 divides that by r (the halving's leaves can push only
// their uplinks). 400 Gb/s links (50 GB/s). Max-flow is exact in whole bytes per second, so values are equal.
#include "hardware/bisection_bandwidth.h"

#include <gtest/gtest.h>

#include "tests/hardware/fabric_test_helpers.h"

namespace trainsim::hw {
namespace {

using testing::fabric;
using testing::kLinkBytesPerS;

TEST(BisectionBandwidth, NonBlockingFatTreesCarryHalfTheirEndpoints) {
  EXPECT_DOUBLE_EQ(bisection_bandwidth_bytes_per_s(fabric(TopologyKind::kFatTree, 2048)), 1024 * kLinkBytesPerS);
  EXPECT_DOUBLE_EQ(bisection_bandwidth_bytes_per_s(fabric(TopologyKind::kMultiPlaneFatTree, 16384)),
                   8192 * kLinkBytesPerS);
  EXPECT_DOUBLE_EQ(bisection_bandwidth_bytes_per_s(fabric(TopologyKind::kThreeLayerFatTree, 16384)),
                   8192 * kLinkBytesPerS);
  EXPECT_DOUBLE_EQ(bisection_bandwidth_bytes_per_s(fabric(TopologyKind::kRailOptimized, 16384)),
                   8192 * kLinkBytesPerS);
}

TEST(BisectionBandwidth, OversubscriptionDividesByItsRatio) {
  // 3:1 on 64 ports: 48 down, 16 up. 3,072 NICs fill 64 leaves; each half's 32 leaves push 32 * 16 cables.
  const double full = 1536 * kLinkBytesPerS;
  EXPECT_DOUBLE_EQ(bisection_bandwidth_bytes_per_s(fabric(TopologyKind::kFatTree, 3072, 64, 8, 3)), full / 3);
  EXPECT_DOUBLE_EQ(bisection_bandwidth_bytes_per_s(fabric(TopologyKind::kThreeLayerFatTree, 3072, 64, 8, 3)),
                   full / 3);
}

TEST(BisectionBandwidth, DragonflyHalvingIsLimitedByGlobalLinks) {
  // 8-port routers: 9 groups of 4 routers, 2 NICs each (72 NICs), one global link per group pair. The first
  // 36 NICs are groups 0-3 and half of group 4 (routers 16, 17). Global links leaving groups 0-3 for groups
  // 5-8: 4 * 4 = 16; group 4's routers 16 and 17 hold its ports 0-3, toward groups 0-3, all inside the half.
  // Groups 0-3 to group 4's routers 18, 19 (ports 4-7, toward groups 5-8): none. Local links inside group 4
  // from routers 16, 17 to 18, 19: 4. The cut of 16 + 4 cables is the max flow if both halves can fill it:
  // 36 NICs on each side can, so 20 cables of 50 GB/s.
  EXPECT_DOUBLE_EQ(bisection_bandwidth_bytes_per_s(fabric(TopologyKind::kDragonfly, 72, 8, 4)), 20 * kLinkBytesPerS);
}

}  // namespace
}  // namespace trainsim::hw
