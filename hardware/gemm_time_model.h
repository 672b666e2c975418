// GemmTimeModel: how long a GEMM (dense or grouped, FP8 block-scaled or BF16) takes on the SMs left to it,
// from its output tiles, their waves over the SMs, the K loop, pipeline fill and epilogue, and a memory floor.
// The tensor-core peak and HBM bandwidth come from the GpuSpec; the other constants are fitted (op_time_fit.h).
#pragma once
#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "hardware/gpu_spec.h"
#include "hardware/linear_time_terms.h"
#include "models/op.h"

namespace trainsim::hw {

// C[rows x n] = A[rows x k] B[k x n], one B per group: a dense GEMM has one group; the routed experts' grouped
// GEMM has one group per local expert, each with the rows routed to it (contiguous layout, rounded per group).
struct GemmShape {
  std::vector<std::int64_t> group_rows;  // M of each group
  std::int64_t n = 0;
  std::int64_t k = 0;
  models::Dtype dtype = models::Dtype::kFp8;  // FP8: activations 1x128, weights 128x128 scales (docs/sources.md#fp8)

  static GemmShape dense(std::int64_t m, std::int64_t n, std::int64_t k, models::Dtype dtype);
  static GemmShape grouped(int groups, std::int64_t rows_per_group, std::int64_t n, std::int64_t k, models::Dtype dtype);
  std::int64_t total_rows() const;
  double flops() const;      // 2 x rows x n x k, the work without tile padding
  double hbm_bytes() const;  // A, each group's B and their scales read once, C written once in BF16
};

// An output tile of one thread block (a CTA holds one tile at a time; persistent kernels walk the tiles in waves).
struct GemmTile {
  int block_m = 0;
  int block_n = 0;
};

// The tiles the model chooses among, the way DeepGEMM's and CUTLASS's heuristics pick one per shape to minimize
// waves: BLOCK_M 64/128/256 and BLOCK_N multiples of 32 up to 256. NOTE: the FP32 accumulators of a tile
// live in registers (256 KiB per Hopper SM), so BLOCK_M x BLOCK_N stays within 128 x 256; this subset is an
// assumption, coarser than DeepGEMM's BLOCK_N steps of 16 (docs/sources.md#shape-model).
inline constexpr std::array<GemmTile, 16> kGemmTiles{{{64, 64}, {64, 128}, {64, 192}, {64, 256},
                                                      {128, 32}, {128, 64}, {128, 96}, {128, 128},
                                                      {128, 160}, {128, 192}, {128, 224}, {128, 256},
                                                      {256, 32}, {256, 64}, {256, 96}, {256, 128}}};
inline constexpr int kMaxAccumulatorElements = 128 * 256;
static_assert([] {
  for (const GemmTile& t : kGemmTiles)
    if (t.block_m * t.block_n > kMaxAccumulatorElements) return false;
  return true;
}(), "a tile's FP32 accumulators must fit in half an SM's register file");

// K per pipeline stage: FP8 walks K in the 128-wide blocks its scales cover (promotion every 128, tech report
// 3.3.2); BF16 kernels use 64 (CUTLASS's Hopper default for 2-byte inputs).
int gemm_block_k(models::Dtype dtype);

// The fitted constants. Time of one GEMM (see LinearTimeTerms):
//   launch_s + max(waves x (mma_time_factor x t_tile_peak + k_blocks x k_block_s + tile_s), bytes / HBM bandwidth x hbm_time_factor)
// t_tile_peak = 2 BLOCK_M BLOCK_N (k_blocks BLOCK_K) / (tensor peak / SM count): one tile's K loop at the SM's peak.
struct GemmConstants {
  double mma_time_factor = 1;  // >= 1: the K loop's time over its time at the per-SM peak (1 / achieved fraction)
  double k_block_s = 0;        // per K block of a tile: FP8 promotion on CUDA cores, pipeline barriers
  double tile_s = 0;           // per tile: pipeline fill (first loads), epilogue (output store)
  double launch_s = 0;         // per kernel

  // The order of the fit's coefficients: mma_time_factor, k_block_s, tile_s, launch_s.
  std::vector<double> coefficients() const { return {mma_time_factor, k_block_s, tile_s, launch_s}; }
  static GemmConstants from_coefficients(std::span<const double> c);
  static std::vector<double> lower_bounds() { return {1.0, 0.0, 0.0, 0.0}; }
};

// DeepGEMM's FP8 kernels on H800, fitted to the 14 published points (docs/sources.md#shape-model);
// tests/hardware/op_time_fit_test.cc refits them from those points and checks these values.
GemmConstants deepgemm_fp8_h800_constants();
// BF16 GEMMs (cuBLAS): no measured points in the repository yet. The K loop at 0.7 of peak is the roofline's
// assumption (docs/sources.md#roofline-efficiencies); fill, epilogue and launch are assumptions too.
GemmConstants assumed_bf16_constants();

class GemmTimeModel {
 public:
  struct Plan {
    GemmTile tile;
    std::int64_t tiles = 0;
    std::int64_t waves = 0;
    LinearTimeTerms terms;
    double seconds = 0;
  };

  // `hbm_time_factor` >= 1 scales the memory floor's bytes / bandwidth (MemoryConstants::hbm_time_factor).
  GemmTimeModel(GpuSpec gpu, GemmConstants constants, double hbm_time_factor = 1.0);

  // The tile minimizing time at `sms` SMs, and its terms.
  Plan plan(const GemmShape& shape, int sms) const;
  double seconds(const GemmShape& shape, int sms) const { return plan(shape, sms).seconds; }
  // The terms of one given tile (the fit evaluates the tile the current constants choose).
  LinearTimeTerms terms(const GemmShape& shape, int sms, GemmTile tile) const;

  const GemmConstants& constants() const { return constants_; }

 private:
  GpuSpec gpu_;
  GemmConstants constants_;
  double hbm_time_factor_;
};

}  // namespace trainsim::hw
