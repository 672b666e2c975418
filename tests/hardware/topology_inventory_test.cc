// Length classes of the inventory (topology_inventory.h): NIC cables copper, Dragonfly's local links copper,
// every other switch-to-switch link optical with two transceivers.
#include "hardware/topology_inventory.h"

#include <gtest/gtest.h>

#include "tests/hardware/fabric_test_helpers.h"

namespace trainsim::hw {
namespace {

using testing::fabric;

TEST(TopologyInventory, DragonflyLocalLinksAreCopperGlobalOnesOptical) {
  // 8-port routers: h = 2, a = 4, p = 2; 72 endpoints fill a h + 1 = 9 groups, one link per group pair.
  const TopologyInventory inv = take_inventory(fabric(TopologyKind::kDragonfly, 72, 8, 4));
  EXPECT_EQ(inv.copper_links, 9 * 4 * 3 / 2);
  EXPECT_EQ(inv.optical_links, 9 * 8 / 2);
  EXPECT_EQ(inv.transceivers(), 2 * 36);
  EXPECT_EQ(inv.endpoint_links, 72);
}

TEST(TopologyInventory, FatTreeSwitchLinksAreOptical) {
  const TopologyInventory inv = take_inventory(fabric(TopologyKind::kFatTree, 2048));
  EXPECT_EQ(inv.optical_links, 2048);
  EXPECT_EQ(inv.copper_links, 0);
  EXPECT_EQ(inv.transceivers(), 4096);
  EXPECT_EQ(inv.planes, 1);
}

}  // namespace
}  // namespace trainsim::hw
