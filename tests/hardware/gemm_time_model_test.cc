// The GEMM shape model's laws: never faster than the datasheet, monotone in every dimension and in the SMs,
// one wave more for one tile past a full wave (hand calculation), grouped GEMMs rounded per group.
#include "hardware/gemm_time_model.h"

#include <gtest/gtest.h>

#include "hardware/gpu_catalog.h"

namespace trainsim::hw {
namespace {

using models::Dtype;

// The most optimistic constants the bounds allow, and the fitted defaults.
std::vector<GemmConstants> constant_sets() {
  return {GemmConstants{1, 0, 0, 0}, deepgemm_fp8_h800_constants(), assumed_bf16_constants()};
}

TEST(GemmTimeModel, NeverBeatsTheDatasheetPeaks) {
  const GpuSpec h800 = find_gpu("h800");
  for (const GemmConstants& c : constant_sets()) {
    const GemmTimeModel model(h800, c);
    for (Dtype dtype : {Dtype::kFp8, Dtype::kBf16})
      for (std::int64_t m : {1, 64, 200, 4096, 16384})
        for (std::int64_t n : {128, 2112, 7168, 24576})
          for (std::int64_t k : {128, 512, 7168})
            for (int sms : {20, 112, 132}) {
              const GemmShape s = GemmShape::dense(m, n, k, dtype);
              const double t = model.seconds(s, sms);
              const double peak = h800.tensor_peak_flops_per_s(dtype);
              EXPECT_GE(t, s.flops() / peak) << m << " " << n << " " << k;
              EXPECT_GE(t, s.flops() / (peak * sms / h800.sm_count)) << "the SMs it has";
              EXPECT_GE(t, s.hbm_bytes() / h800.hbm_bandwidth_bytes_per_s);
            }
  }
}

TEST(GemmTimeModel, MonotoneInEachDimensionAndInTheSms) {
  const GpuSpec h800 = find_gpu("h800");
  const GemmTimeModel model(h800, deepgemm_fp8_h800_constants());
  const auto t = [&](std::int64_t m, std::int64_t n, std::int64_t k, int sms) {
    return model.seconds(GemmShape::dense(m, n, k, Dtype::kFp8), sms);
  };
  // Steps of 37 cross tile edges at odd places.
  for (std::int64_t x = 1; x < 3000; x += 37) {
    EXPECT_LE(t(x, 2048, 1024, 132), t(x + 37, 2048, 1024, 132)) << "M " << x;
    EXPECT_LE(t(1024, x, 2048, 132), t(1024, x + 37, 2048, 132)) << "N " << x;
    EXPECT_LE(t(1024, 2048, x, 132), t(1024, 2048, x + 37, 132)) << "K " << x;
  }
  for (int sms = 1; sms < 132; ++sms) EXPECT_GE(t(4096, 7168, 2048, sms), t(4096, 7168, 2048, sms + 1)) << sms;
}

TEST(GemmTimeModel, MonotoneInEachGroupsRows) {
  const GemmTimeModel model(find_gpu("h800"), deepgemm_fp8_h800_constants());
  GemmShape s{{100, 300, 0, 900}, 4096, 7168, Dtype::kFp8};
  for (std::size_t g = 0; g < s.group_rows.size(); ++g)
    for (int step = 0; step < 20; ++step) {
      const double before = model.seconds(s, 112);
      s.group_rows[g] += 53;
      EXPECT_LE(before, model.seconds(s, 112)) << "group " << g;
    }
}

TEST(GemmTimeModel, OneTilePastAFullWaveCostsAboutOneWave) {
  const GpuSpec h800 = find_gpu("h800");
  const GemmConstants c = deepgemm_fp8_h800_constants();
  const GemmTimeModel model(h800, c);
  const GemmTile tile{128, 128};
  // 128 x 128 tiles, K = 7168: 12 x 11 = 132 tiles fill one wave on 132 SMs; 7 x 19 = 133 need two.
  const GemmShape full = GemmShape::dense(12 * 128, 11 * 128, 7168, Dtype::kFp8);
  const GemmShape one_more = GemmShape::dense(7 * 128, 19 * 128, 7168, Dtype::kFp8);
  const std::vector<double> coeffs = c.coefficients();
  const std::span<const double> work(coeffs.data(), 3);
  const double t_full = model.terms(full, 132, tile).seconds(work, c.launch_s);
  const double t_more = model.terms(one_more, 132, tile).seconds(work, c.launch_s);
  // By hand: a tile's K loop is 2 x 128 x 128 x 7168 = 234,881,024 FLOP at 1979e12 / 132 FLOP/s per SM =
  // 15.667 us, times 1.287; plus 56 K blocks x 5.378 ns and 2.467 us of fill and epilogue: 22.93 us a wave.
  const double wave_s = 234881024.0 / (1979e12 / 132) * 1.287 + 56 * 5.378e-9 + 2.467e-6;
  EXPECT_NEAR(wave_s, 22.93e-6, 0.01e-6);
  EXPECT_NEAR(t_more - t_full, wave_s, 1e-12);
  EXPECT_NEAR(t_full, 3.444e-6 + wave_s, 1e-12);
  // Letting the model pick its tile softens the step but still pays for the extra tile.
  EXPECT_GT(model.seconds(one_more, 132), model.seconds(full, 132));
}

TEST(GemmTimeModel, GroupsRoundTheirRowsUpToATileEach) {
  const GpuSpec h800 = find_gpu("h800");
  const GemmTimeModel model(h800, deepgemm_fp8_h800_constants());
  const GemmTile tile{128, 128};
  // 8 groups of 1 row pad to 8 row tiles; 1 group of 8 rows to 1: 8 x 32 = 256 tiles (2 waves) against 32 (1).
  const auto grouped = model.terms(GemmShape::grouped(8, 1, 4096, 2048, Dtype::kFp8), 132, tile);
  const auto dense = model.terms(GemmShape::dense(8, 4096, 2048, Dtype::kFp8), 132, tile);
  EXPECT_EQ(grouped.work[2], 2.0);
  EXPECT_EQ(dense.work[2], 1.0);
}

TEST(GemmTimeModel, ConstantsBelowTheirBoundsAreRefused) {
  EXPECT_THROW(GemmTimeModel(find_gpu("h800"), GemmConstants{0.9, 0, 0, 0}), Error);
  EXPECT_THROW(GemmTimeModel(find_gpu("h800"), GemmConstants{1, 0, 0, 0}, 0.9), Error);
  const GemmTimeModel model(find_gpu("h800"), GemmConstants{1, 0, 0, 0});
  EXPECT_THROW(model.seconds(GemmShape::dense(1, 1, 1, Dtype::kFp8), 133), Error);
}

}  // namespace
}  // namespace trainsim::hw
