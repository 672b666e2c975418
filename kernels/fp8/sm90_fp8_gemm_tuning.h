// Tile configuration of the WGMMA FP8 GEMM (the tuning, apart from problem and launch, as in DeepGEMM) and
// its limits. Sizes from the Hopper limits: 227 KB of shared memory per block, 64 K registers per SM.
#pragma once
#include "kernels/fp8/fp8_scaling.h"

namespace trainsim::kernels::fp8::wgmma_config {

inline constexpr int kBlockM = 128;  // two consumer warpgroups, 64 rows each (the M of one WGMMA)
inline constexpr int kBlockN = 128;  // the N of one WGMMA: m64n128k32
inline constexpr int kBlockK = 128;  // one scale block per stage, so promotion happens once per stage
inline constexpr int kMmaK = 32;     // K of one FP8 WGMMA instruction
inline constexpr int kStages = 5;    // TMA ring depth: 5 x 32 KB in flight
inline constexpr int kThreads = 384; // warpgroup 0 loads (TMA), warpgroups 1 and 2 compute
inline constexpr int kProducerRegisters = 40;   // setmaxnreg: 128 x 40 + 256 x 232 = 64512 <= 65536
inline constexpr int kConsumerRegisters = 232;

// Tiles are launched in groups of kRasterGroupM row tiles, column tiles slowest within a group, so the ~132
// CTAs resident at once share ~16 A tiles and ~8 B tiles and L2 serves the re-reads. Row-major order would
// put 132 distinct B tiles in flight for wide N (~256 FLOP per HBM byte, under H100's ~590 ridge).
inline constexpr int kRasterGroupM = 16;

inline constexpr int kATileBytes = kBlockM * kBlockK;  // E4M3: one byte per element
inline constexpr int kBTileBytes = kBlockN * kBlockK;
inline constexpr int kSharedBytes = kStages * (kATileBytes + kBTileBytes) + 2 * kStages * 8 + 1024;  // +barriers, +alignment

static_assert(kBlockK == kScaleTile, "promotion applies one scale per stage: a stage must be one 128-wide scale block");
static_assert(kBlockK == 128, "128B swizzle: one K-row of a tile must be exactly 128 bytes of E4M3");
static_assert(kBlockN % kScaleTile == 0, "a tile of N must lie in one 128x128 weight-scale block per 128 columns");
static_assert(kBlockN == 128, "the WGMMA instruction wrapper is written for n = 128 (64 accumulators per thread)");
static_assert(kBlockM == 2 * 64, "two consumer warpgroups of m64 each");
static_assert(kATileBytes % 1024 == 0 && kBTileBytes % 1024 == 0, "128B-swizzled tiles must start 1024-byte aligned");
static_assert(kSharedBytes <= 227 * 1024, "shared memory per block on Hopper is at most 227 KB");
static_assert(128 * kProducerRegisters + 256 * kConsumerRegisters <= 65536, "register file of one SM");

struct TileCoord {
  int m_tile;
  int n_tile;
};
// The tile of the `linear`-th CTA (a bijection onto num_m x num_n tiles; tested in tests/kernels/fp8).
TS_FP8_HD constexpr TileCoord raster_tile(int linear, int num_m, int num_n) {
  const int group = linear / (kRasterGroupM * num_n);
  const int first_m = group * kRasterGroupM;
  const int group_m = num_m - first_m < kRasterGroupM ? num_m - first_m : kRasterGroupM;
  const int local = linear - first_m * num_n;
  return {first_m + local % group_m, local / group_m};
}

}  // namespace trainsim::kernels::fp8::wgmma_config
