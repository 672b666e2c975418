// The catalog's power figures beside TDP: idle (an assumption) and the DGX node overhead, each the datasheet's
// system maximum less 8 x the GPU's TDP (docs/sources.md#energy).
#include "hardware/gpu_power.h"

#include <gtest/gtest.h>

namespace trainsim::hw {
namespace {

TEST(GpuPower, CatalogDefaultsFromTheDgxDatasheets) {
  EXPECT_EQ(gpu_power_defaults("h100").node_overhead_w, 10200 - 8 * 700);  // DGX H100: 10.2 kW max
  EXPECT_EQ(gpu_power_defaults("h800").node_overhead_w, 10200 - 8 * 700);  // taken as DGX H100
  EXPECT_EQ(gpu_power_defaults("h200").node_overhead_w, 10200 - 8 * 700);  // DGX H200: 10.2 kW max
  EXPECT_EQ(gpu_power_defaults("a100").node_overhead_w, 6500 - 8 * 400);   // DGX A100: 6.5 kW max
  EXPECT_EQ(gpu_power_defaults("b200").node_overhead_w, 14300 - 8 * 1000); // DGX B200: 14.3 kW max
  EXPECT_EQ(gpu_power_defaults("h800").idle_w, 70);  // assumptions, a tenth of TDP in round figures
  EXPECT_EQ(gpu_power_defaults("a100").idle_w, 50);
  EXPECT_EQ(gpu_power_defaults("b200").idle_w, 100);
  EXPECT_EQ(gpu_power_defaults("no-such-gpu").idle_w, 0);
}

}  // namespace
}  // namespace trainsim::hw
