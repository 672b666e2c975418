// Tiles, waves and the K loop of a GEMM (gemm_time_model.h): the per-shape terms and the tile choice.
#include "hardware/gemm_time_model.h"

#include <algorithm>
#include <limits>

#include "core/ceil_div.h"

namespace trainsim::hw {
namespace {

// FP8 scales are FP32: one per 1x128 activation tile and per 128x128 weight block (docs/sources.md#fp8).
constexpr std::int64_t kFp8ScaleBlock = 128;
constexpr double kScaleBytes = 4;
constexpr double kOutputBytes = 2;  // BF16 output (DeepGEMM writes BF16, docs/sources.md#deepgemm)

}  // namespace

GemmShape GemmShape::dense(std::int64_t m, std::int64_t n, std::int64_t k, models::Dtype dtype) {
  return GemmShape{{m}, n, k, dtype};
}

GemmShape GemmShape::grouped(int groups, std::int64_t rows_per_group, std::int64_t n, std::int64_t k,
                             models::Dtype dtype) {
  TS_CHECK(groups > 0, "{} groups", groups);
  return GemmShape{std::vector<std::int64_t>(static_cast<std::size_t>(groups), rows_per_group), n, k, dtype};
}

std::int64_t GemmShape::total_rows() const {
  std::int64_t rows = 0;
  for (std::int64_t m : group_rows) rows += m;
  return rows;
}

double GemmShape::flops() const {
  return 2.0 * static_cast<double>(total_rows()) * static_cast<double>(n) * static_cast<double>(k);
}

double GemmShape::hbm_bytes() const {
  const double rows = static_cast<double>(total_rows());
  const double groups = static_cast<double>(group_rows.size());
  const double in = models::bytes_per_element(dtype);
  double bytes = rows * static_cast<double>(k) * in + groups * static_cast<double>(n * k) * in +
                 rows * static_cast<double>(n) * kOutputBytes;
  if (dtype == models::Dtype::kFp8) {
    const double k_blocks = static_cast<double>(ceil_div(k, kFp8ScaleBlock));
    bytes += (rows + groups * static_cast<double>(ceil_div(n, kFp8ScaleBlock))) * k_blocks * kScaleBytes;
  }
  return bytes;
}

int gemm_block_k(models::Dtype dtype) { return dtype == models::Dtype::kFp8 ? 128 : 64; }

GemmConstants GemmConstants::from_coefficients(std::span<const double> c) {
  TS_CHECK(c.size() == 4, "a GEMM has 4 constants, got {}", c.size());
  return GemmConstants{c[0], c[1], c[2], c[3]};
}

GemmConstants deepgemm_fp8_h800_constants() {
  // Least squares over DeepGEMM README's 12 dense and 2 grouped FP8 points at 132 SMs (docs/sources.md#deepgemm),
  // to 4 digits: the K loop at 1 / 1.287 = 78% of the per-SM peak, 2.5 us of fill and epilogue per tile, 3.4 us
  // per launch; the per-K-block cost comes out near zero (5 ns) on these shapes. Relative residuals: rms 9%,
  // worst 21% (M = 128, N = 7168, K = 2048); 3 held-out points: mean 13%, worst 29%.
  return GemmConstants{.mma_time_factor = 1.287, .k_block_s = 5.378e-9, .tile_s = 2.467e-6, .launch_s = 3.444e-6};
}

GemmConstants assumed_bf16_constants() {
  // Assumptions: the K loop at 0.7 of peak (docs/sources.md#roofline-efficiencies), 1 us of fill and epilogue
  // per tile, the roofline's 4 us per kernel.
  return GemmConstants{.mma_time_factor = 1 / 0.7, .k_block_s = 0.0, .tile_s = 1e-6, .launch_s = 4e-6};
}

GemmTimeModel::GemmTimeModel(GpuSpec gpu, GemmConstants constants, double hbm_time_factor)
    : gpu_(std::move(gpu)), constants_(constants), hbm_time_factor_(hbm_time_factor) {
  const std::vector<double> c = constants_.coefficients();
  const std::vector<double> lower = GemmConstants::lower_bounds();
  for (std::size_t i = 0; i < c.size(); ++i) TS_CHECK(c[i] >= lower[i], "GEMM constant {} is {} < {}", i, c[i], lower[i]);
  TS_CHECK(hbm_time_factor_ >= 1, "HBM time factor {} would beat the datasheet bandwidth", hbm_time_factor_);
  TS_CHECK(gpu_.sm_count > 0 && gpu_.hbm_bandwidth_bytes_per_s > 0, "GPU '{}' lacks SMs or HBM bandwidth", gpu_.key);
}

LinearTimeTerms GemmTimeModel::terms(const GemmShape& shape, int sms, GemmTile tile) const {
  TS_CHECK(sms >= 1 && sms <= gpu_.sm_count, "{} SMs on a {}-SM GPU", sms, gpu_.sm_count);
  TS_CHECK(shape.n > 0 && shape.k > 0 && !shape.group_rows.empty(), "GEMM n {} k {} groups {}", shape.n, shape.k,
           shape.group_rows.size());
  std::int64_t tiles = 0;
  for (std::int64_t m : shape.group_rows) {
    TS_CHECK(m >= 0, "a group of {} rows", m);
    tiles += ceil_div(m, tile.block_m) * ceil_div(shape.n, tile.block_n);  // rounded per group
  }
  const double waves = static_cast<double>(ceil_div(tiles, sms));
  const int block_k = gemm_block_k(shape.dtype);
  const double k_blocks = static_cast<double>(ceil_div(shape.k, block_k));
  const double peak = gpu_.tensor_peak_flops_per_s(shape.dtype);
  const double peak_per_sm = peak / gpu_.sm_count;
  const double tile_peak_s = 2.0 * tile.block_m * tile.block_n * k_blocks * block_k / peak_per_sm;
  LinearTimeTerms terms;
  terms.work = {waves * tile_peak_s, waves * k_blocks, waves};
  terms.launches = 1;  // a grouped GEMM over the contiguous layout is one kernel too
  terms.floor_s = std::max(shape.hbm_bytes() / gpu_.hbm_bandwidth_bytes_per_s * hbm_time_factor_,
                           shape.flops() / (peak_per_sm * sms));
  return terms;
}

GemmTimeModel::Plan GemmTimeModel::plan(const GemmShape& shape, int sms) const {
  const std::vector<double> c = constants_.coefficients();
  const std::span<const double> work_c(c.data(), 3);
  Plan best;
  best.seconds = std::numeric_limits<double>::infinity();
  for (const GemmTile& tile : kGemmTiles) {
    LinearTimeTerms t = terms(shape, sms, tile);
    const double s = t.seconds(work_c, constants_.launch_s);
    if (s < best.seconds) {
      best.tile = tile;
      best.waves = static_cast<std::int64_t>(t.work[2]);
      best.terms = std::move(t);
      best.seconds = s;
    }
  }
  std::int64_t tiles = 0;
  for (std::int64_t m : shape.group_rows) tiles += ceil_div(m, best.tile.block_m) * ceil_div(shape.n, best.tile.block_n);
  best.tiles = tiles;
  return best;
}

}  // namespace trainsim::hw
