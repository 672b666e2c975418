// The least-squares fit of the shape models: known constants recovered from points made with them (exact and
// noisy), the error on held-out points, the bounds, and the fit to DeepGEMM's published FP8 figures.
#include "hardware/op_time_fit.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>

#include "hardware/gpu_catalog.h"
#include "hardware/linear_time_fit.h"

namespace trainsim::hw {
namespace {

using models::Dtype;

// Constants away from the defaults and from the fits' starting point (every constant at its bound).
constexpr GemmConstants kAtBounds{1, 0, 0, 0};

GemmConstants true_gemm() {
  return GemmConstants{.mma_time_factor = 1.3, .k_block_s = 0.15e-6, .tile_s = 1.5e-6, .launch_s = 6e-6};
}

// Shapes that exercise every tile family (small and large M, N, K; grouped; few and many SMs) so that no two
// constants' terms are collinear over the set.
std::vector<GemmPoint> gemm_sweep(const GemmTimeModel& truth) {
  std::vector<GemmPoint> points;
  for (std::int64_t m : {64, 256, 1000, 4096})
    for (std::int64_t n : {512, 2112, 7168})
      for (std::int64_t k : {256, 2048, 7168})
        for (int sms : {66, 132}) {
          GemmShape s = GemmShape::dense(m, n, k, Dtype::kFp8);
          points.push_back({s, sms, truth.seconds(s, sms), {}});
        }
  for (std::int64_t rows : {128, 700, 4096}) {
    GemmShape s = GemmShape::grouped(4, rows, 4096, 7168, Dtype::kFp8);
    points.push_back({s, 112, truth.seconds(s, 112), {}});
  }
  return points;
}

void expect_relative(double actual, double expected, double tolerance, const char* what) {
  EXPECT_NEAR(actual, expected, tolerance * std::abs(expected)) << what;
}

TEST(OpTimeFit, RecoversGemmConstantsFromExactPoints) {
  const GpuSpec h800 = find_gpu("h800");
  const GemmTimeModel truth(h800, true_gemm());
  const std::vector<GemmPoint> points = gemm_sweep(truth);
  const GemmFit fit = fit_gemm(h800, points, kAtBounds, 1.0);
  // Exact points: the constants come back to the solver's rounding (a relative 1e-6 is far above it).
  expect_relative(fit.constants.mma_time_factor, 1.3, 1e-6, "mma_time_factor");
  expect_relative(fit.constants.k_block_s, 0.15e-6, 1e-6, "k_block_s");
  expect_relative(fit.constants.tile_s, 1.5e-6, 1e-6, "tile_s");
  expect_relative(fit.constants.launch_s, 6e-6, 1e-6, "launch_s");
  EXPECT_TRUE(fit.quality.converged);
  EXPECT_LT(fit.quality.max_abs_relative_residual, 1e-9);
  EXPECT_LT(fit.quality.held_out_max_abs_relative_error, 1e-9);
}

// A profiler trace gives sums: points of three GEMMs each (a block's projections) timed together. The
// constants still come back exactly, the sum being linear in them.
TEST(OpTimeFit, RecoversGemmConstantsFromGroupPoints) {
  const GpuSpec h800 = find_gpu("h800");
  const GemmTimeModel truth(h800, true_gemm());
  const std::vector<GemmPoint> singles = gemm_sweep(truth);
  std::vector<GemmPoint> groups;
  for (std::size_t i = 0; i + 2 < singles.size(); i += 3) {
    const GemmPoint& a = singles[i];
    GemmPoint g{a.shape, a.sms, 0, {}};
    // The same SMs for the whole group, as a block of one trace runs on the SMs DualPipe leaves it.
    for (std::size_t j = i + 1; j < i + 3; ++j) g.more.push_back(singles[j].shape);
    g.seconds = truth.seconds(g.shape, g.sms);
    for (const GemmShape& s : g.more) g.seconds += truth.seconds(s, g.sms);
    groups.push_back(g);
  }
  const GemmFit fit = fit_gemm(h800, groups, kAtBounds, 1.0, FitOptions{.hold_out_every = 0});
  expect_relative(fit.constants.mma_time_factor, 1.3, 1e-6, "mma_time_factor");
  expect_relative(fit.constants.k_block_s, 0.15e-6, 1e-6, "k_block_s");
  expect_relative(fit.constants.tile_s, 1.5e-6, 1e-6, "tile_s");
  expect_relative(fit.constants.launch_s, 6e-6, 1e-6, "launch_s");
  EXPECT_LT(fit.quality.max_abs_relative_residual, 1e-9);
}

TEST(OpTimeFit, GroupPointsSumTheFloorsTheyHit) {
  // A K = 128 GEMM of 4096 x 4096 writes a 32 MiB BF16 output in 2 x 4096 x 4096 x 128 FLOPs: its HBM floor
  // (about 10 us at 3.35 TB/s) is far above its K loop (about 2 us at the 1979 TFLOP/s peak), so it takes no
  // fitted constant but its launch. Summed with compute-bound GEMMs, the group adds its floor as a fixed time
  // and the constants still come back.
  const GpuSpec h800 = find_gpu("h800");
  const GemmTimeModel truth(h800, true_gemm());
  const GemmShape floor_bound = GemmShape::dense(4096, 4096, 128, Dtype::kFp8);
  ASSERT_GT(truth.plan(floor_bound, 132).terms.floor_s,
            truth.plan(floor_bound, 132).terms.work_s(std::vector<double>{1.3, 0.15e-6, 1.5e-6}));
  std::vector<GemmPoint> groups;
  for (const GemmPoint& single : gemm_sweep(truth)) {
    GemmPoint g{single.shape, single.sms, 0, {floor_bound}};
    g.seconds = truth.seconds(g.shape, g.sms) + truth.seconds(floor_bound, g.sms);
    groups.push_back(g);
  }
  const GemmFit fit = fit_gemm(h800, groups, kAtBounds, 1.0, FitOptions{.hold_out_every = 0});
  expect_relative(fit.constants.mma_time_factor, 1.3, 1e-6, "mma_time_factor");
  expect_relative(fit.constants.launch_s, 6e-6, 1e-6, "launch_s");
  EXPECT_LT(fit.quality.max_abs_relative_residual, 1e-9);
}

TEST(OpTimeFit, RecoversGemmConstantsThroughNoise) {
  const GpuSpec h800 = find_gpu("h800");
  const GemmTimeModel truth(h800, true_gemm());
  std::vector<GemmPoint> points = gemm_sweep(truth);
  // +-1% uniform noise, a fixed seed: repeated kernel timings on one GPU vary by about that much.
  std::mt19937 rng(13);
  std::uniform_real_distribution<double> noise(-0.01, 0.01);
  for (GemmPoint& p : points) p.seconds *= 1 + noise(rng);
  const GemmFit fit = fit_gemm(h800, points, kAtBounds, 1.0);
  // The K loop dominates most points, so its factor is pinned to about the noise (1%); the small per-block,
  // per-tile and launch costs share the remaining microseconds and move more: 20% still tells a recovered
  // constant from the starting point (zero).
  expect_relative(fit.constants.mma_time_factor, 1.3, 0.01, "mma_time_factor");
  expect_relative(fit.constants.k_block_s, 0.15e-6, 0.2, "k_block_s");
  expect_relative(fit.constants.tile_s, 1.5e-6, 0.2, "tile_s");
  expect_relative(fit.constants.launch_s, 6e-6, 0.2, "launch_s");
  EXPECT_LT(fit.quality.rms_relative_residual, 0.01);
  EXPECT_LT(fit.quality.held_out_mean_abs_relative_error, 0.02);
}

TEST(OpTimeFit, HeldOutErrorIsMeasuredOnPointsTheFitNeverSaw) {
  const GpuSpec h800 = find_gpu("h800");
  const GemmTimeModel truth(h800, true_gemm());
  std::vector<GemmPoint> points = gemm_sweep(truth);
  // Every 4th point (the held-out ones) measured 30% slower than the constants say; the others exact.
  for (std::size_t i = 3; i < points.size(); i += 4) points[i].seconds *= 1.3;
  const GemmFit fit = fit_gemm(h800, points, kAtBounds, 1.0, FitOptions{.hold_out_every = 4});
  // Fitted without them, the constants are the true ones, so each held-out point is off by 0.3 / 1.3.
  EXPECT_EQ(fit.quality.held_out, points.size() / 4);
  EXPECT_NEAR(fit.quality.held_out_mean_abs_relative_error, 0.3 / 1.3, 1e-6);
  EXPECT_NEAR(fit.quality.held_out_max_abs_relative_error, 0.3 / 1.3, 1e-6);
  // Fitted with them (the returned constants), they pull every residual off zero.
  EXPECT_GT(fit.quality.rms_relative_residual, 0.01);
}

TEST(OpTimeFit, RecoversAttentionConstants) {
  const GpuSpec h800 = find_gpu("h800");
  const AttentionConstants known{.mma_time_factor = 1.8, .tile_s = 2e-6, .launch_s = 5e-6};
  for (AttentionDirection direction : {AttentionDirection::kForward, AttentionDirection::kBackward}) {
    const AttentionTimeModel truth(h800, direction, known);
    std::vector<AttentionPoint> points;
    for (std::int64_t seq : {512, 1024, 4096})
      for (std::int64_t heads : {1, 16, 128})
        for (int sms : {112, 132}) {
          const AttentionShape s{.batch = 1, .seq = seq, .heads = heads};
          points.push_back({s, sms, truth.seconds(s, sms), {}});
        }
    const AttentionFit fit =
        fit_attention(h800, direction, points, assumed_attention_constants(direction), 1.0);
    expect_relative(fit.constants.mma_time_factor, 1.8, 1e-6, "mma_time_factor");
    expect_relative(fit.constants.tile_s, 2e-6, 1e-6, "tile_s");
    expect_relative(fit.constants.launch_s, 5e-6, 1e-6, "launch_s");
  }
}

TEST(OpTimeFit, RecoversMemoryConstants) {
  const GpuSpec h800 = find_gpu("h800");
  const MemoryTimeModel truth(h800, MemoryConstants{.hbm_time_factor = 1.1, .launch_s = 3e-6});
  std::vector<MemoryPoint> points;
  for (double bytes : {1e5, 1e6, 1e7, 1e8, 1e9})
    for (double kernels : {1.0, 2.0}) {
      const MemoryOpShape s{.bytes = bytes, .flops = 0, .kernels = kernels};
      points.push_back({s, 132, truth.seconds(s, 132), {}});
    }
  const MemoryFit fit = fit_memory(h800, points, assumed_memory_constants());
  expect_relative(fit.constants.hbm_time_factor, 1.1, 1e-9, "hbm_time_factor");
  expect_relative(fit.constants.launch_s, 3e-6, 1e-9, "launch_s");
}

TEST(OpTimeFit, BoundsHoldWhereTheUnboundedSolutionCrossesThem) {
  // y = 2 x1 - 1 x2 fits exactly unbounded; with both >= 0 the best is x2 = 0 and x1 = least squares on x1 alone.
  const std::vector<std::vector<double>> rows{{1, 0}, {1, 1}, {1, 2}};
  const std::vector<double> y{2, 1, 0};
  const std::vector<double> lower{0, 0};
  const std::vector<double> c = bounded_least_squares(rows, y, lower);
  EXPECT_NEAR(c[0], 1.0, 1e-12);  // mean of 2, 1, 0
  EXPECT_EQ(c[1], 0.0);
}

// DeepGEMM README FP8 GEMMs on H800 at 132 SMs (docs/sources.md#deepgemm), TFLOPS converted to seconds.
std::vector<GemmPoint> deepgemm_points() {
  struct Row {
    int groups;
    std::int64_t m, n, k;
    double tflops;
  };
  const Row rows[] = {
      {1, 4096, 2112, 7168, 1127}, {1, 4096, 24576, 1536, 1212}, {1, 4096, 32768, 512, 775},
      {1, 4096, 7168, 16384, 1520}, {1, 4096, 4096, 7168, 1410}, {1, 4096, 7168, 2048, 1168},
      {1, 128, 2112, 7168, 352},   {1, 128, 24576, 1536, 535},   {1, 128, 32768, 512, 358},
      {1, 128, 7168, 16384, 645},  {1, 128, 4096, 7168, 533},    {1, 128, 7168, 2048, 510},
      {4, 8192, 4096, 7168, 1346}, {4, 8192, 7168, 2048, 1214},
  };
  std::vector<GemmPoint> points;
  for (const Row& r : rows) {
    const GemmShape s = GemmShape::grouped(r.groups, r.m, r.n, r.k, Dtype::kFp8);
    points.push_back({s, 132, s.flops() / (r.tflops * 1e12), {}});
  }
  return points;
}

TEST(OpTimeFit, DeepGemmPublishedPointsGiveTheDefaultConstants) {
  const GpuSpec h800 = find_gpu("h800");
  const std::vector<GemmPoint> points = deepgemm_points();
  const GemmFit fit = fit_gemm(h800, points, kAtBounds, 1.0);
  const GemmTimeModel fitted(h800, fit.constants);
  for (std::size_t i = 0; i < points.size(); ++i) {
    const GemmShape& s = points[i].shape;
    const auto plan = fitted.plan(s, 132);
    std::printf("deepgemm groups %zu m %lld n %lld k %lld: measured %.1f us, model %.1f us (%+.1f%%), tile %dx%d, %lld waves\n",
                s.group_rows.size(), static_cast<long long>(s.group_rows[0]), static_cast<long long>(s.n),
                static_cast<long long>(s.k), points[i].seconds * 1e6, plan.seconds * 1e6,
                fit.relative_residuals[i] * 100, plan.tile.block_m, plan.tile.block_n, static_cast<long long>(plan.waves));
  }
  std::printf("deepgemm fit: mma_time_factor %.4g k_block_s %.4g tile_s %.4g launch_s %.4g; rms %.3f max %.3f; "
              "held out %zu: mean %.3f max %.3f\n",
              fit.constants.mma_time_factor, fit.constants.k_block_s, fit.constants.tile_s, fit.constants.launch_s,
              fit.quality.rms_relative_residual, fit.quality.max_abs_relative_residual, fit.quality.held_out,
              fit.quality.held_out_mean_abs_relative_error, fit.quality.held_out_max_abs_relative_error);
  // The defaults are this fit written to 4 significant digits.
  const GemmConstants defaults = deepgemm_fp8_h800_constants();
  expect_relative(fit.constants.mma_time_factor, defaults.mma_time_factor, 1e-3, "mma_time_factor");
  expect_relative(fit.constants.k_block_s, defaults.k_block_s, 1e-3, "k_block_s");
  expect_relative(fit.constants.tile_s, defaults.tile_s, 1e-3, "tile_s");
  expect_relative(fit.constants.launch_s, defaults.launch_s, 1e-3, "launch_s");
  // The quality the defaults' comment states, so a change to the model that worsens it shows here.
  EXPECT_LT(fit.quality.rms_relative_residual, 0.10);
  EXPECT_EQ(fit.quality.held_out, 3u);
  EXPECT_LT(fit.quality.held_out_mean_abs_relative_error, 0.15);
}

}  // namespace
}  // namespace trainsim::hw
