// The CUDA back-end's routing kernels (routing_kernels.cuh), their own source run on the CPU through
// cuda_host_emulation.h, against the CPU references the model runs (router_ref, gate_backward.h,
// sequence_balance_loss.h) on DeepSeek-V3's rule at a small size (group-limited top-k, the selection bias, normalized
// and scaled gates). On the CPU both sides compute each value with the same expressions in the same order, so they
// agree bit for bit; on a GPU the device's exp may differ from the host's by an ulp (the layer check's rows allow
// 1e-12 there).
// clang-format off
// The shim first: the kernel header takes the CUDA built-ins from it.
#include "tests/kernels/common/cuda_host_emulation.h"
#include "kernels/model/routing_kernels.cuh"
#include "tests/kernels/model/emulated_storage.h"
// clang-format on

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "kernels/mla/mla_problem.h"
#include "kernels/model/gate_backward.h"
#include "kernels/model/sequence_balance_loss.h"
#include "kernels/moe/permute_ref.h"
#include "kernels/moe/router_ref.h"

namespace trainsim::kernels {
namespace {

namespace md = model_device;
using namespace testing::emulated_storage;

// 16 experts in 4 groups, 2 groups kept, top 4: every limit of DeepSeek-V3's rule at work.
constexpr RoutingRule kRule{16, 4, 4, 2, RouterScoring::kSigmoid, true, 2.5};

TEST(RoutingKernelEmulation, TheChoiceTheGatesTheirGradientAndTheBalanceLossAreTheReferences) {
  const VarlenBatch batch = VarlenBatch::from_lengths({70, 0, 61});  // a block's 128 threads and more; an empty one
  const int tokens = batch.total_tokens(), experts = kRule.num_experts, k = kRule.top_k;
  const std::vector<double> logits = values<double>(size_t(tokens) * experts, 1), bias = values<double>(experts, 2),
                            d_gates = values<double>(size_t(tokens) * k, 3),
                            d_logits0 = values<double>(size_t(tokens) * experts, 4);

  std::vector<int> ids(size_t(tokens) * k), ids_ref(ids.size());
  std::vector<double> gates(ids.size()), gates_ref(ids.size());
  md::launch_route(kEmulated, kRule, logits.data(), bias.data(), tokens, ids.data(), gates.data());
  router_ref(kRule, logits, bias, ids_ref, gates_ref);
  EXPECT_EQ(ids, ids_ref);
  EXPECT_EQ(gates, gates_ref);

  std::vector<double> d_logits = d_logits0, d_logits_ref = d_logits0;
  md::launch_gate_backward(kEmulated, kRule, logits.data(), ids.data(), gates.data(), d_gates.data(), tokens,
                           d_logits.data());
  for (int t = 0; t < tokens; ++t)
    model::gate_backward(kRule, &logits[size_t(t) * experts], &ids[size_t(t) * k], &gates[size_t(t) * k],
                         &d_gates[size_t(t) * k], &d_logits_ref[size_t(t) * experts]);
  EXPECT_EQ(d_logits, d_logits_ref);
  EXPECT_NE(d_logits, d_logits0);

  const double alpha = 1e-4;
  const model::BalanceLoss ref = model::sequence_balance_loss(kRule, batch, logits, ids, alpha);
  std::vector<double> score_sum(tokens), loss_of_sequence(batch.sequences()),
      gradient(logits.size(), std::numeric_limits<double>::quiet_NaN());  // every entry must be written
  md::launch_balance_loss(kEmulated, kRule, batch.cu_seqlens.data(), batch.sequences(), logits.data(), ids.data(),
                          alpha, score_sum.data(), loss_of_sequence.data(), gradient.data());
  double loss = 0;
  for (const double l : loss_of_sequence) loss += l;
  EXPECT_EQ(loss, ref.loss);
  EXPECT_GT(loss, 0);
  EXPECT_EQ(gradient, ref.d_logits);
}

// The experts' layout, at the model's alignment (1) and a padded one, with a slot routed nowhere (id -1): every array
// the reference's, element for element.
TEST(RoutingKernelEmulation, TheExpertsLayoutIsTheReferences) {
  std::vector<int> ids;
  for (int slot = 0; slot < 150; ++slot) ids.push_back(slot % 7 == 3 ? -1 : (slot * 5 + slot / 9) % 16);
  const int top_k = 3, experts = 16, slots = int(ids.size());
  for (const int align : {1, 4}) {
    SCOPED_TRACE("align " + std::to_string(align));
    const ExpertLayout ref = plan_expert_layout(ids, top_k, experts, align);
    std::vector<int64_t> counts(experts), offsets(experts + 1), row_of(slots),
        slot_of(size_t(slots) + size_t(experts) * (align - 1), 12345);
    md::launch_expert_layout(kEmulated, ids.data(), slots, experts, align, counts.data(), offsets.data(),
                             row_of.data(), slot_of.data());
    slot_of.resize(size_t(offsets.back()));
    EXPECT_EQ(counts, ref.counts);
    EXPECT_EQ(offsets, ref.offsets);
    EXPECT_EQ(row_of, ref.row_of);
    EXPECT_EQ(slot_of, ref.slot_of);
  }
}

}  // namespace
}  // namespace trainsim::kernels
