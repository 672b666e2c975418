// Each layer's backward pass against central differences at FP64 on the tiny config (tolerance and its reason in
// gradient_check.h), and the cross-entropy against a hand value. The MoE checks assert that no finite-difference
// step changes the experts chosen, so the loss stays smooth in every perturbed entry.
#include <gtest/gtest.h>

#include <cmath>

#include "kernels/model/cross_entropy.h"
#include "kernels/model/embedding.h"
#include "kernels/model/mtp_module.h"
#include "tests/kernels/gradient_check.h"
#include "tests/kernels/model/model_test_util.h"

namespace trainsim::kernels::model {
namespace {

using testing::check_direction;
using testing::check_entries;
using testing::expect_gradient;
using testing::random_doubles;
using testing::weighted_sum;

TEST(CrossEntropy, EqualLogitsGiveLogVocabAndSkipRowsWithoutTarget) {
  const std::vector<double> logits(3 * 4, 0.7);
  const std::vector<int> targets{2, kNoTarget, 0};
  const CrossEntropyResult r = cross_entropy(logits, 3, 4, targets);
  EXPECT_NEAR(r.loss, std::log(4.0), 1e-15);  // -log(1/4)
  EXPECT_EQ(r.count, 2);
  EXPECT_NEAR(r.d_logits[2], (0.25 - 1) / 2, 1e-15);  // (p - onehot) / count
  EXPECT_EQ(r.d_logits[4], 0);                        // the row without a target
}

TEST(CrossEntropy, GradientMatchesFiniteDifferences) {
  std::vector<double> logits = random_doubles(3 * 5, 1, 2.0f);
  const std::vector<int> targets{4, 0, kNoTarget};
  const std::vector<double> d = cross_entropy(logits, 3, 5, targets).d_logits;
  const auto loss = [&] { return cross_entropy(logits, 3, 5, targets).loss; };
  expect_gradient("logits", check_entries(logits, d, loss));
}

TEST(Embedding, BackwardScatterAddsRepeatedTokens) {
  std::vector<double> table = random_doubles(6 * 3, 2);
  const std::vector<int> ids{4, 1, 4};
  const std::vector<double> r = random_doubles(3 * 3, 3);
  std::vector<double> d_table(table.size(), 0);
  embedding_backward(ids, 3, r, d_table);
  const auto loss = [&] { return weighted_sum(embedding_forward(table, 3, ids), r); };
  expect_gradient("table", check_entries(table, d_table, loss));
  EXPECT_THROW(embedding_forward(table, 3, std::vector<int>{6}), std::out_of_range);
}

TEST(SwigluMlp, BackwardMatchesFiniteDifferences) {
  const ModelConfig c = testing::tiny_config();
  SwigluWeights w = testing::test_weights(c, 5).layers[0].dense;
  const int rows = 4;
  std::vector<double> x = random_doubles(size_t(rows) * c.hidden_size, 6);
  const std::vector<double> r = random_doubles(size_t(rows) * c.hidden_size, 7);
  SwigluCache cache;
  swiglu_mlp_forward(w, x, rows, cache);
  SwigluWeights g = SwigluWeights::zeros(w.hidden, w.inter);
  const std::vector<double> dx = swiglu_mlp_backward(w, cache, r, g);
  const auto loss = [&] {
    SwigluCache scratch;
    return weighted_sum(swiglu_mlp_forward(w, x, rows, scratch), r);
  };
  expect_gradient("x", check_entries(x, dx, loss));
  expect_gradient("w.w_gate_up", check_entries(w.w_gate_up, g.w_gate_up, loss));
  expect_gradient("w.w_down", check_entries(w.w_down, g.w_down, loss));
}

TEST(MlaAttentionBlock, BackwardMatchesFiniteDifferences) {
  const ModelConfig c = testing::tiny_config();
  const MlaDims d = c.mla_dims();
  MlaWeights w = testing::test_weights(c, 8).layers[0].mla;
  const VarlenBatch batch = testing::test_batch();
  std::vector<double> x = random_doubles(size_t(batch.total_tokens()) * d.hidden, 9);
  const std::vector<double> r = random_doubles(x.size(), 10);
  MlaCache cache;
  mla_attention_forward(d, w, batch, x, cache);
  MlaWeights g = zero_mla_weights(d);
  const std::vector<double> dx = mla_attention_backward(d, w, cache, r, g);
  const auto loss = [&] {
    MlaCache scratch;
    return weighted_sum(mla_attention_forward(d, w, batch, x, scratch), r);
  };
  expect_gradient("x", check_entries(x, dx, loss));
  std::vector<double>* params[] = {&w.w_dq, &w.gamma_q, &w.w_uq, &w.w_dkv, &w.gamma_kv, &w.w_ukv, &w.w_o};
  const std::vector<double>* grads[] = {&g.w_dq, &g.gamma_q, &g.w_uq, &g.w_dkv, &g.gamma_kv, &g.w_ukv, &g.w_o};
  const char* names[] = {"w_dq", "gamma_q", "w_uq", "w_dkv", "gamma_kv", "w_ukv", "w_o"};
  for (int i = 0; i < 7; ++i) {
    expect_gradient(names[i], check_entries(*params[i], *grads[i], loss));
  }
}

// The MoE layer's loss with the chosen experts compared against a reference choice on every call.
struct MoeProbe {
  const RoutingRule rule;
  MoeWeights& w;
  const std::vector<double>& bias;
  std::vector<double>& x;
  int rows;
  const std::vector<double>& r;
  const std::vector<int>& chosen;
  int flips = 0;
  double operator()() {
    MoeCache scratch;
    const double l = weighted_sum(moe_forward(rule, w, bias, x, rows, scratch), r);
    flips += scratch.expert_ids != chosen ? 1 : 0;
    return l;
  }
};

TEST(MoeLayer, BackwardMatchesFiniteDifferencesThroughTheGates) {
  const ModelConfig c = testing::tiny_config();
  const RoutingRule rule = c.routing_rule();
  MoeWeights w = testing::test_weights(c, 11).layers[1].moe;
  const std::vector<double> bias = random_doubles(c.n_routed_experts, 12, 0.05f);  // selection only
  const int rows = 9;
  std::vector<double> x = random_doubles(size_t(rows) * c.hidden_size, 13);
  const std::vector<double> r = random_doubles(x.size(), 14);
  MoeCache cache;
  moe_forward(rule, w, bias, x, rows, cache);
  MoeWeights g = MoeWeights::zeros(c.hidden_size, c.n_routed_experts, c.moe_intermediate_size,
                                   c.moe_intermediate_size * c.n_shared_experts);
  const std::vector<double> dx = moe_backward(rule, w, cache, r, g);
  MoeProbe loss{rule, w, bias, x, rows, r, cache.expert_ids};
  expect_gradient("x", check_entries(x, dx, std::ref(loss)));
  expect_gradient("w.w_router", check_entries(w.w_router, g.w_router, std::ref(loss)));
  expect_gradient("w.shared.w_gate_up", check_entries(w.shared.w_gate_up, g.shared.w_gate_up, std::ref(loss)));
  expect_gradient("w.shared.w_down", check_entries(w.shared.w_down, g.shared.w_down, std::ref(loss)));
  int used = 0;
  for (int e = 0; e < c.n_routed_experts; ++e) {
    SCOPED_TRACE(e);
    used += cache.layout.counts[e] > 0 ? 1 : 0;
    const std::string expert = "experts." + std::to_string(e);
    expect_gradient(expert + ".w_gate_up",
                    check_entries(w.experts[e].w_gate_up, g.experts[e].w_gate_up, std::ref(loss)));
    expect_gradient(expert + ".w_down", check_entries(w.experts[e].w_down, g.experts[e].w_down, std::ref(loss)));
  }
  EXPECT_GE(used, 4);  // the check reaches several routed experts, not only the shared one
  EXPECT_EQ(loss.flips, 0) << "a finite-difference step changed the experts chosen";
}

TEST(TransformerBlock, DenseAndMoeBlocksMatchFiniteDifferences) {
  ModelConfig c = testing::tiny_config();
  c.balance_loss_alpha = 0.05;  // above DeepSeek-V3's 1e-4 so that the balance loss's gradient weighs in the check
  ModelWeights all = testing::test_weights(c, 15);
  const std::vector<double> bias(c.n_routed_experts, 0.0);
  const VarlenBatch batch = testing::test_batch();
  for (int layer : {0, 1}) {
    SCOPED_TRACE(layer);
    BlockWeights& w = all.layers[layer];
    std::vector<double> x = random_doubles(size_t(batch.total_tokens()) * c.hidden_size, 16 + layer);
    const std::vector<double> r = random_doubles(x.size(), 18 + layer);
    BlockCache cache;
    block_forward(c, w, bias, batch, x, cache);
    BlockWeights g = BlockWeights::zeros(c, w.is_moe);
    const std::vector<double> dx = block_backward(c, w, cache, r, g);
    int flips = 0;
    const auto loss = [&] {
      BlockCache scratch;
      const double l = weighted_sum(block_forward(c, w, bias, batch, x, scratch), r) + scratch.balance_loss;
      flips += scratch.moe.expert_ids != cache.moe.expert_ids ? 1 : 0;
      return l;
    };
    expect_gradient("x", check_entries(x, dx, loss));
    expect_gradient("w.attn_norm", check_entries(w.attn_norm, g.attn_norm, loss));
    expect_gradient("w.ffn_norm", check_entries(w.ffn_norm, g.ffn_norm, loss));
    if (w.is_moe) {
      EXPECT_GT(cache.balance_loss, 0);
      expect_gradient("w.moe.w_router", check_entries(w.moe.w_router, g.moe.w_router, loss));
    }
    EXPECT_EQ(flips, 0);
  }
}

// Depth 1 extends the main model's rows; depth 2 extends depth 1's block output (one row fewer per sequence) and
// also passes a gradient on its own block output back, as depth 3 would.
TEST(MtpModule, BackwardMatchesFiniteDifferencesAtDepthsOneAndTwo) {
  ModelConfig c = testing::tiny_config();
  c.balance_loss_alpha = 0.05;  // as in the block test
  ModelWeights all = testing::test_weights(c, 20);
  MtpWeights& w = all.mtp[0];
  const std::vector<double> bias(c.n_routed_experts, 0.0);
  const VarlenBatch batch = testing::test_batch();  // lengths 5 and 4
  const std::vector<int> ids{3, 17, 5, 29, 8, 1, 22, 14, 9};
  for (int depth : {1, 2}) {
    SCOPED_TRACE(depth);
    const VarlenBatch prev_batch = depth == 1 ? batch : VarlenBatch::from_lengths({4, 3});
    std::vector<double> prev = random_doubles(size_t(prev_batch.total_tokens()) * c.hidden_size, 21 + depth);
    const SharedHead shared{all.embed, all.head};
    MtpCache cache;
    mtp_forward(c, w, shared, bias, MtpInput{batch, ids, depth, prev_batch, prev}, cache);
    // A target t_{i+k+1} exists for positions 0..L-k-2 of each sequence.
    EXPECT_EQ(cache.ce.count, (5 - depth - 1) + (4 - depth - 1));
    const std::vector<double> r_next = depth == 1 ? std::vector<double>() : random_doubles(cache.block_out.size(), 30);
    MtpWeights g = MtpWeights::zeros(c);
    std::vector<double> d_prev(prev.size(), 0), d_embed(all.embed.size(), 0), d_head(all.head.size(), 0);
    const double scale = 0.3;  // the backward of scale x loss
    mtp_backward(c, w, shared, cache, scale, r_next, d_prev, g, d_embed, d_head);
    int flips = 0;
    const auto loss = [&] {
      MtpCache scratch;
      const double l = scale * mtp_forward(c, w, shared, bias, MtpInput{batch, ids, depth, prev_batch, prev}, scratch) +
                       scratch.block.balance_loss + (r_next.empty() ? 0.0 : weighted_sum(scratch.block_out, r_next));
      flips += scratch.block.moe.expert_ids != cache.block.moe.expert_ids ? 1 : 0;
      return l;
    };
    expect_gradient("h^{k-1}", check_entries(prev, d_prev, loss));
    expect_gradient("embed", check_entries(all.embed, d_embed, loss));
    expect_gradient("head", check_entries(all.head, d_head, loss, 128));
    expect_gradient("w.proj", check_entries(w.proj, g.proj, loss));
    expect_gradient("w.hnorm", check_entries(w.hnorm, g.hnorm, loss));
    expect_gradient("w.enorm", check_entries(w.enorm, g.enorm, loss));
    expect_gradient("w.final_norm", check_entries(w.final_norm, g.final_norm, loss));
    expect_gradient("w.block.moe.w_router (direction)",
                    check_direction(w.block.moe.w_router, g.block.moe.w_router, loss, 22));
    EXPECT_EQ(flips, 0);
  }
}

}  // namespace
}  // namespace trainsim::kernels::model
