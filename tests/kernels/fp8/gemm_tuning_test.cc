// The WGMMA GEMM's tile rasterisation: every tile exactly once, and resident CTAs grouped over few A tiles.
#include <gtest/gtest.h>

#include <set>
#include <utility>

#include "kernels/fp8/sm90_fp8_gemm_tuning.h"

namespace trainsim::kernels::fp8::wgmma_config {
namespace {

TEST(RasterTile, VisitsEveryTileOnce) {
  const std::pair<int, int> grids[] = {{32, 5}, {32, 288}, {288, 56}, {5, 56}, {1, 1}, {17, 3}, {33, 12}};
  for (const auto& [num_m, num_n] : grids) {
    std::set<std::pair<int, int>> seen;
    for (int linear = 0; linear < num_m * num_n; ++linear) {
      const TileCoord t = raster_tile(linear, num_m, num_n);
      ASSERT_GE(t.m_tile, 0);
      ASSERT_LT(t.m_tile, num_m);
      ASSERT_GE(t.n_tile, 0);
      ASSERT_LT(t.n_tile, num_n);
      seen.insert({t.m_tile, t.n_tile});
    }
    EXPECT_EQ(seen.size(), static_cast<size_t>(num_m * num_n)) << num_m << " x " << num_n;
  }
}

TEST(RasterTile, ResidentCtasShareFewTiles) {
  // 132 CTAs of Fprop on the fused dense gate+up (M = 4096, N = 36864): 32 x 288 tiles.
  std::set<int> a_tiles, b_tiles;
  for (int linear = 0; linear < 132; ++linear) {
    const TileCoord t = raster_tile(linear, 32, 288);
    a_tiles.insert(t.m_tile);
    b_tiles.insert(t.n_tile);
  }
  EXPECT_EQ(a_tiles.size(), static_cast<size_t>(kRasterGroupM));
  EXPECT_LE(b_tiles.size(), 9u);
}

}  // namespace
}  // namespace trainsim::kernels::fp8::wgmma_config
