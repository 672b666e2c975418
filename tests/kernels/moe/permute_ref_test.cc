// Permutation into expert-contiguous order: padding rule, round trip, combine against a direct formula,
// experts with no token and experts with most tokens, skewed loads, slots of other GPUs' experts.
#include <gtest/gtest.h>

#include <cmath>

#include "kernels/common/random_fill.h"
#include "kernels/moe/expert_loads.h"
#include "kernels/moe/permute_ref.h"

namespace trainsim::kernels {
namespace {

constexpr int kHidden = 24;

std::vector<float> random_rows(int64_t rows, uint64_t seed) {
  std::vector<float> x(static_cast<size_t>(rows * kHidden));
  fill_normal(x, seed);
  return x;
}

void expect_valid_layout(const ExpertLayout& layout, const std::vector<int>& ids) {
  ASSERT_EQ(layout.offsets.size(), size_t(layout.num_experts + 1));
  for (int e = 0; e < layout.num_experts; ++e) {
    EXPECT_EQ(layout.offsets[e] % layout.align_rows, 0);
    const int64_t padded = layout.offsets[e + 1] - layout.offsets[e];
    EXPECT_EQ(padded, (layout.counts[e] + layout.align_rows - 1) / layout.align_rows * layout.align_rows);
    int64_t previous_slot = -1;
    for (int64_t r = layout.offsets[e]; r < layout.offsets[e + 1]; ++r) {
      const int64_t slot = layout.slot_of[r];
      if (r < layout.offsets[e] + layout.counts[e]) {
        ASSERT_GE(slot, 0);
        EXPECT_EQ(ids[slot], e);
        EXPECT_GT(slot, previous_slot);  // ascending slot order within an expert
        EXPECT_EQ(layout.row_of[slot], r);
        previous_slot = slot;
      } else {
        EXPECT_EQ(slot, -1);  // padding
      }
    }
  }
}

void expect_round_trip(const std::vector<int>& ids, int top_k, int experts) {
  const int64_t tokens = static_cast<int64_t>(ids.size()) / top_k;
  const ExpertLayout layout = plan_expert_layout(ids, top_k, experts);
  expect_valid_layout(layout, ids);
  const auto x = random_rows(tokens, 1);
  std::vector<float> permuted(static_cast<size_t>(layout.total_rows() * kHidden), NAN);
  permute_ref(layout, x, kHidden, permuted);
  for (int64_t r = 0; r < layout.total_rows(); ++r)
    if (layout.slot_of[r] < 0) {
      for (int h = 0; h < kHidden; ++h) ASSERT_EQ(permuted[r * kHidden + h], 0.0f);
    }
  std::vector<float> back(static_cast<size_t>(tokens * top_k * kHidden), NAN);
  unpermute_ref(layout, permuted, kHidden, back);
  for (int64_t s = 0; s < tokens * top_k; ++s)
    for (int h = 0; h < kHidden; ++h) {
      const bool routed = ids[s] >= 0 && ids[s] < experts;
      ASSERT_EQ(back[s * kHidden + h], routed ? x[s / top_k * kHidden + h] : 0.0f) << "slot " << s;
    }
}

TEST(Permute, RoundTripBalanced) {
  const auto loads = skewed_loads(16, 200 * 8, 0.0, 1);
  expect_round_trip(ids_for_loads(loads, 200, 8, 1), 8, 16);
}

TEST(Permute, RoundTripSkewedMaxVioHalfAndTwo) {
  for (double v : {0.5, 2.0}) {
    const auto loads = skewed_loads(32, 300 * 8, v, 7);
    EXPECT_NEAR(max_vio(loads), v, 2e-2);
    expect_round_trip(ids_for_loads(loads, 300, 8, 7), 8, 32);
  }
}

TEST(Permute, ExpertsWithNoTokenAndOneWithMost) {
  // Expert 0 and 3 get nothing, expert 2 takes 90% of the slots.
  std::vector<int64_t> loads{0, 50, 900, 0, 50};
  const auto ids = ids_for_loads(loads, 250, 4, 2);
  const ExpertLayout layout = plan_expert_layout(ids, 4, 5);
  EXPECT_EQ(layout.offsets, (std::vector<int64_t>{0, 0, 128, 1152, 1152, 1280}));
  expect_round_trip(ids, 4, 5);
}

TEST(Permute, EveryTokenToOneExpert) {
  std::vector<int> ids(100, 3);
  expect_round_trip(ids, 1, 8);
}

TEST(Permute, SlotsOfOtherGpusExpertsGetNoRow) {
  std::vector<int> ids{0, -1, 5, 1, 2, 9, -1, 0};  // 4 local experts; 5 and 9 live elsewhere
  const ExpertLayout layout = plan_expert_layout(ids, 2, 4, 4);
  EXPECT_EQ(layout.counts, (std::vector<int64_t>{2, 1, 1, 0}));
  EXPECT_EQ(layout.row_of, (std::vector<int64_t>{0, -1, -1, 4, 8, -1, -1, 1}));
  expect_round_trip(ids, 2, 4);
}

TEST(Combine, MatchesTheDirectFormula) {
  // Expert e multiplies its rows by (e + 1); combine must give sum_k gate * (id + 1) * x[t].
  const int top_k = 8, experts = 16;
  const int64_t tokens = 64;
  const auto ids = ids_for_loads(skewed_loads(experts, tokens * top_k, 2.0, 3), tokens, top_k, 3);
  const ExpertLayout layout = plan_expert_layout(ids, top_k, experts);
  const auto x = random_rows(tokens, 4);
  std::vector<float> gates(static_cast<size_t>(tokens * top_k));
  fill_uniform(gates, 5, 0.0f, 1.0f);
  std::vector<float> y(static_cast<size_t>(layout.total_rows() * kHidden));
  permute_ref(layout, x, kHidden, y);
  for (int e = 0; e < experts; ++e)
    for (int64_t r = layout.offsets[e]; r < layout.offsets[e + 1]; ++r)
      for (int h = 0; h < kHidden; ++h) y[r * kHidden + h] *= static_cast<float>(e + 1);
  std::vector<double> out(static_cast<size_t>(tokens * kHidden));
  combine_ref(layout, y, gates, kHidden, out);
  for (int64_t t = 0; t < tokens; ++t)
    for (int h = 0; h < kHidden; ++h) {
      double expected = 0;
      for (int k = 0; k < top_k; ++k)
        expected += double(gates[t * top_k + k]) * double(float(ids[t * top_k + k] + 1) * x[t * kHidden + h]);
      ASSERT_NEAR(out[t * kHidden + h], expected, 1e-12 * (1 + std::fabs(expected)));
    }
}

TEST(Permute, RejectsBadArguments) {
  std::vector<int> ids{0, 1, 2};
  EXPECT_THROW(plan_expert_layout(ids, 2, 4), std::invalid_argument);  // not whole tokens
  EXPECT_THROW(plan_expert_layout(ids, 1, 4, 0), std::invalid_argument);
}

}  // namespace
}  // namespace trainsim::kernels
