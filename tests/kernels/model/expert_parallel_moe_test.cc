// Expert parallelism (expert_parallel_moe.h) on in-process ranks against the single-device MoE layer (moe_layer.h,
// whose gradients layer_gradient_test holds to finite differences): the same function, spread over ranks. The
// expectations are the header's, bit for bit at every GEMM precision, since each is the same ops on the same rows
// in the same order; only the data-parallel sum of the router's gradient differs in its order of additions.
#include "kernels/model/expert_parallel_moe.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <tuple>
#include <vector>

#include "kernels/model/linear_gemm.h"
#include "kernels/model/thread_communicator.h"
#include "tests/kernels/model/model_test_util.h"

namespace trainsim::kernels::model {
namespace {

// Each rank's own tokens: unequal counts, so the all-to-alls carry unequal messages (and, with 8 ranks, some
// experts get no row from some rank).
const std::vector<int> kRowsOfRank = {9, 7, 12, 5, 3, 8, 6, 10};

struct Shard {
  std::vector<double> x, dy;
};

std::vector<double> concatenated(const std::vector<Shard>& shards, std::vector<double> Shard::*field) {
  std::vector<double> all;
  for (const Shard& s : shards) all.insert(all.end(), (s.*field).begin(), (s.*field).end());
  return all;
}

class ExpertParallelMoe : public ::testing::TestWithParam<std::tuple<int, GemmPrecision>> {
 protected:
  void SetUp() override {
    config_ = testing::tiny_config();  // 8 routed experts in 4 groups (2 kept), top-2, a shared expert
    weights_ = testing::test_weights(config_, 11).layers[1].moe;
    bias_ = testing::random_doubles(config_.n_routed_experts, 12, 0.05f);
    const int hidden = config_.hidden_size;
    for (int r = 0; r < ranks(); ++r)
      shards_.push_back(Shard{testing::random_doubles(size_t(kRowsOfRank[r]) * hidden, 100 + r),
                              testing::random_doubles(size_t(kRowsOfRank[r]) * hidden, 200 + r)});
  }
  int ranks() const { return std::get<0>(GetParam()); }
  GemmPrecision precision() const { return std::get<1>(GetParam()); }

  // A rank's weights: the router, the shared expert and its own experts; every other expert's slot empty, so a
  // rank that read another's expert would fail its GEMM's size check.
  MoeWeights rank_weights(const ExpertPlacement& placement, int rank, const MoeWeights& full) const {
    MoeWeights w = full;
    for (int e = 0; e < placement.num_experts; ++e)
      if (placement.owner(e) != rank) w.experts[e] = SwigluWeights{};
    return w;
  }

  ModelConfig config_;
  MoeWeights weights_;
  std::vector<double> bias_;
  std::vector<Shard> shards_;
};

TEST_P(ExpertParallelMoe, EachRankComputesWhatOneDeviceComputesOnItsTokens) {
  const RoutingRule rule = config_.routing_rule();
  const int hidden = config_.hidden_size, experts = config_.n_routed_experts;
  const ExpertPlacement placement = ExpertPlacement::contiguous(experts, ranks());
  const MoeWeights zero_grads = MoeWeights::zeros(hidden, experts, config_.moe_intermediate_size,
                                                  config_.moe_intermediate_size * config_.n_shared_experts);

  // One device, each rank's tokens alone, and all tokens in rank order.
  std::vector<std::vector<double>> y_alone(ranks()), dx_alone(ranks());
  std::vector<MoeWeights> grads_alone(ranks(), zero_grads);
  for (int r = 0; r < ranks(); ++r) {
    MoeCache cache;
    y_alone[r] = moe_forward(rule, weights_, bias_, shards_[r].x, kRowsOfRank[r], cache, precision());
    dx_alone[r] = moe_backward(rule, weights_, cache, shards_[r].dy, grads_alone[r]);
  }
  MoeWeights grads_all = zero_grads;
  {
    const std::vector<double> x = concatenated(shards_, &Shard::x), dy = concatenated(shards_, &Shard::dy);
    MoeCache cache;
    moe_forward(rule, weights_, bias_, x, int(x.size()) / hidden, cache, precision());
    moe_backward(rule, weights_, cache, dy, grads_all);
  }

  // The ranks.
  std::vector<std::vector<double>> y(ranks()), dx(ranks()), router_grad_summed(ranks());
  std::vector<MoeWeights> grads(ranks());
  run_ranks_on_threads(ranks(), [&](Communicator& c) {
    const int r = c.rank();
    const MoeWeights w = rank_weights(placement, r, weights_);
    grads[r] = rank_weights(placement, r, zero_grads);
    const ExpertParallelism parallelism{&c, placement};
    MoeCache cache;
    y[r] = expert_parallel_moe_forward(parallelism, rule, w, bias_, shards_[r].x, kRowsOfRank[r], cache, precision());
    dx[r] = expert_parallel_moe_backward(parallelism, rule, w, cache, shards_[r].dy, grads[r]);
    router_grad_summed[r] = grads[r].w_router;
    c.all_reduce_sum(router_grad_summed[r]);
  });

  for (int r = 0; r < ranks(); ++r) {
    EXPECT_EQ(y[r], y_alone[r]) << "rank " << r;
    EXPECT_EQ(dx[r], dx_alone[r]) << "rank " << r;
    EXPECT_EQ(grads[r].w_router, grads_alone[r].w_router) << "rank " << r;
    EXPECT_EQ(grads[r].shared.w_gate_up, grads_alone[r].shared.w_gate_up) << "rank " << r;
    EXPECT_EQ(grads[r].shared.w_down, grads_alone[r].shared.w_down) << "rank " << r;
    for (int e = placement.first_expert(r); e < placement.first_expert(r + 1); ++e) {
      EXPECT_EQ(grads[r].experts[e].w_gate_up, grads_all.experts[e].w_gate_up) << "rank " << r << " expert " << e;
      EXPECT_EQ(grads[r].experts[e].w_down, grads_all.experts[e].w_down) << "rank " << r << " expert " << e;
    }
    // The all-reduced router gradient is one device's over all tokens, up to the order of the additions: its
    // entries are sums of 16 to 60 products of order 1, so 1e-12 relative to the largest is many ulps above rounding
    // and far below any gradient a dropped or doubled row would change.
    double scale = 0;
    for (double g : grads_all.w_router) scale = std::max(scale, std::abs(g));
    for (size_t i = 0; i < grads_all.w_router.size(); ++i)
      EXPECT_NEAR(router_grad_summed[r][i], grads_all.w_router[i], 1e-12 * scale) << "rank " << r << " entry " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(RanksAndPrecisions, ExpertParallelMoe,
                         ::testing::Combine(::testing::Values(2, 4, 8),
                                            ::testing::Values(GemmPrecision::kFP64, GemmPrecision::kBF16,
                                                              GemmPrecision::kFP8)));

TEST(ExpertPlacement, RanksHoldContiguousBlocksOfExperts) {
  const ExpertPlacement p = ExpertPlacement::contiguous(256, 64);  // DeepSeek-V3: 256 routed experts over EP 64
  EXPECT_EQ(p.experts_per_rank(), 4);
  EXPECT_EQ(p.owner(0), 0);
  EXPECT_EQ(p.owner(255), 63);
  EXPECT_EQ(p.first_expert(2), 8);
  EXPECT_THROW(ExpertPlacement::contiguous(8, 3), std::invalid_argument);
}

TEST(ExpertParallelMoe, ARankCountOtherThanThePlacementsIsRefused) {
  const ModelConfig config = testing::tiny_config();
  const MoeWeights w = testing::test_weights(config, 11).layers[1].moe;
  const std::vector<double> x = testing::random_doubles(size_t(3) * config.hidden_size, 1);
  EXPECT_THROW(run_ranks_on_threads(2,
                                    [&](Communicator& c) {
                                      MoeCache cache;
                                      const ExpertParallelism parallelism{&c, ExpertPlacement::contiguous(8, 4)};
                                      expert_parallel_moe_forward(parallelism, config.routing_rule(), w, {}, x, 3,
                                                                  cache);
                                    }),
               std::invalid_argument);
}

}  // namespace
}  // namespace trainsim::kernels::model
