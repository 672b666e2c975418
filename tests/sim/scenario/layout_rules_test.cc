// Every layout rule: its exception, at the key it concerns, with its message.
#include "sim/scenario/layout_rules.h"

#include <gtest/gtest.h>

#include "tests/sim/scenario/scenario_test_text.h"

namespace trainsim::sim {
namespace {

using testing::error_of;
using testing::parse;
using testing::with;

TEST(LayoutRules, DegreesMustMultiplyToTheGpuCount) {
  EXPECT_EQ(error_of(with("  dp: 8", "  dp: 4")),
            "s.yaml:9:3: parallelism: pp 4 x tp 1 x dp 4 = 16 GPUs, but the cluster has 32 (4 nodes x 8) (expected "
            "degrees whose product is the GPU count); hint: dp: 8 (= 32 GPUs / (pp 4 x tp 1))");
}

// Trainsim issue 14: a suggested value must itself pass the rules. On 64 GPUs, pp 7 and dp 9 have no integer
// fix of either one (64 is divisible by neither 7 nor 9), so the hint names no number (it used to say dp = 9).
TEST(LayoutRules, DegreeHintNamesOnlyAValidValue) {
  const std::string seven_by_nine = with("  pp: 4", "  pp: 7", with("  dp: 8", "  dp: 9", with("  nodes: 4", "  nodes: 8")));
  const std::string message = error_of(seven_by_nine);
  EXPECT_NE(message.find("pp 7 x tp 1 x dp 9 = 63 GPUs, but the cluster has 64"), std::string::npos) << message;
  EXPECT_NE(message.find("hint: pick pp and tp whose product divides the 64 GPUs and leave dp out"), std::string::npos)
      << message;
  EXPECT_EQ(message.find("= 9"), std::string::npos) << message;
  // pp 2 x dp 8 on 32 GPUs: dp 32 / 2 = 16 passes every rule (ep 8 divides 16; 64 / 16 = 4 micro-batches, DualPipe's
  // 2 pp = 4), so it is the hint.
  EXPECT_NE(error_of(with("  pp: 4", "  pp: 2")).find("hint: dp: 16 (= 32 GPUs / (pp 2 x tp 1))"), std::string::npos);
  // pp 8 x dp 8 on 32 GPUs: dp 32 / 8 = 4 is smaller than ep 8, so not it; pp 32 / 8 = 4 with dp 8 passes.
  EXPECT_NE(error_of(with("  pp: 4", "  pp: 8")).find("hint: pp: 4 (= 32 GPUs / (dp 8 x tp 1))"), std::string::npos)
      << error_of(with("  pp: 4", "  pp: 8"));
}

TEST(LayoutRules, EpMustDivideTheExpertsAndFitTheStage) {
  EXPECT_NE(error_of(with("  ep: 8", "  ep: 3")).find("s.yaml:11:7: parallelism.ep: ep 3 does not divide the 256 routed experts"),
            std::string::npos);
  EXPECT_NE(error_of(with("  ep: 8", "  ep: 16")).find("parallelism.ep: ep 16 exceeds or does not divide the dp x tp = 8 GPUs"),
            std::string::npos);
  EXPECT_NE(error_of(with("  preset: deepseek-v3", "  preset: llama-3.1-70b")).find("ep 8 needs a mixture-of-experts model"),
            std::string::npos);
}

TEST(LayoutRules, TpMustDivideTheHeads) {
  const std::string tp3 = with("  dp: 8", "  dp: 8\n  tp: 3", with("  nodes: 4", "  nodes: 12"));
  EXPECT_NE(error_of(tp3).find("parallelism.tp: tp 3 does not divide the 128 attention heads"), std::string::npos);
}

TEST(LayoutRules, DualPipeNeedsEvenPpAndEnoughMicrobatches) {
  const std::string odd = with("  pp: 4", "  pp: 3", with("  nodes: 4", "  nodes: 3"));
  EXPECT_NE(error_of(odd).find("s.yaml:9:7: parallelism.pp: dualpipe needs an even pp, got 3"), std::string::npos);
  EXPECT_EQ(error_of(with("global_batch: 64", "global_batch: 56")),
            "s.yaml:6:17: training.global_batch: global batch 56 / (dp 8 x micro_batch_size 1) gives 7 micro-batches "
            "per pipeline: dualpipe needs an even count of at least 2*pp = 8 micro-batches, got 7 (expected an even "
            "number >= 8); hint: raise the batch, lower dp, or lower micro_batch_size");
}

TEST(LayoutRules, BatchMustSplitIntoWholeMicrobatches) {
  EXPECT_NE(error_of(with("global_batch: 64", "global_batch: 68")).find("global batch 68 is not a multiple of dp 8"),
            std::string::npos);
}

TEST(LayoutRules, InterleavingNeedsVirtualStagesAndWholeGroups) {
  const std::string interleaved = with("schedule: dualpipe", "schedule: interleaved");
  EXPECT_NE(error_of(interleaved).find("s.yaml:9:3: parallelism.virtual_stages: interleaved needs 2 to 26 virtual stages, got 1"), std::string::npos);
  const std::string v2 = with("  pp: 4", "  pp: 4\n  virtual_stages: 2", interleaved);
  EXPECT_EQ(error_of(v2), "no error");
  EXPECT_NE(error_of(with("global_batch: 64", "global_batch: 48", v2)).find("gives 6 micro-batches per pipeline: interleaved needs micro-batches in whole groups of pp = 4, got 6"),
            std::string::npos);
  EXPECT_NE(error_of(with("  pp: 4", "  pp: 4\n  virtual_stages: 2")).find("virtual stages apply to the interleaved schedule only"),
            std::string::npos);
}

// Context parallelism takes GPUs of its own (pp x tp x cp x dp = the GPU count), splits each sequence in 2 cp equal
// chunks (4096 / (2 x 3) is not whole), and is modelled for the causal flash core only.
TEST(LayoutRules, ContextParallelismTakesGpusAndEqualChunks) {
  const std::string cp2 = with("  dp: 8", "  dp: 4\n  cp: 2");  // 4 x 1 x 2 x 4 = 32 GPUs; ep 8 of dp x tp x cp
  EXPECT_EQ(error_of(cp2), "no error");
  EXPECT_EQ(parse(cp2).layout.weight_replicas(), 8);        // gradients reduced over dp x cp
  EXPECT_EQ(parse(cp2).layout.expert_data_parallel(), 1);   // 4 x 1 x 2 / 8
  // K and V move around a ring by default (Megatron-Core's p2p), or all-gathered as Llama 3 did.
  EXPECT_EQ(parse(cp2).layout.cp_comm, models::CpComm::kRing);
  EXPECT_EQ(parse(with("  cp: 2", "  cp: 2\n  cp_comm: all-gather", cp2)).layout.cp_comm, models::CpComm::kAllGather);
  EXPECT_NE(error_of(with("  cp: 2", "  cp: 2\n  cp_comm: a2a", cp2)).find("parallelism.cp_comm"), std::string::npos);
  EXPECT_NE(error_of(with("  dp: 8", "  dp: 8\n  cp: 2")).find("parallelism: pp 4 x tp 1 x cp 2 x dp 8 = 64 GPUs"),
            std::string::npos);
  EXPECT_NE(error_of(with("  dp: 8", "  dp: 8\n  cp: 2")).find("hint: dp: 4 (= 32 GPUs / (pp 4 x tp 1 x cp 2))"),
            std::string::npos)
      << error_of(with("  dp: 8", "  dp: 8\n  cp: 2"));
  const std::string cp3 = with("  dp: 8", "  dp: 8\n  cp: 3", with("  nodes: 4", "  nodes: 12"));
  EXPECT_NE(error_of(cp3).find("s.yaml:13:7: parallelism.cp: cp 3 splits each sequence in 2 x 3 = 6 equal chunks, but "
                               "sequence_length 4096 does not divide"),
            std::string::npos)
      << error_of(cp3);
  EXPECT_NE(error_of(with("  recompute: deepseek", "  recompute: deepseek\n  attention_kernel: unfused", cp2))
                .find("parallelism.cp: context parallelism with the unfused attention core is not modelled"),
            std::string::npos);
}

// Megatron-Core refuses --tp-comm-overlap without sequence parallelism; at TP 1 there is nothing to overlap.
TEST(LayoutRules, TpCommunicationOverlapNeedsTpAndSequenceParallelism) {
  EXPECT_NE(error_of(with("  dp: 8", "  dp: 8\n  tp_comm_overlap: true"))
                .find("s.yaml:13:20: parallelism.tp_comm_overlap: TP communication overlap needs tp > 1 with "
                      "sequence_parallel: true"),
            std::string::npos)
      << error_of(with("  dp: 8", "  dp: 8\n  tp_comm_overlap: true"));
}

// Megatron-Core refuses MoE under TP without sequence parallelism (megatron/training/arguments.py: "When using MoE and
// tensor parallelism, sequence parallelism must be used"); its MoE layer routes each TP rank's sequence shard.
TEST(LayoutRules, MixtureOfExpertsUnderTpNeedsSequenceParallelism) {
  const std::string tp2 = with("  dp: 8", "  dp: 4\n  tp: 2");
  EXPECT_NE(error_of(tp2).find("parallelism.sequence_parallel: tp 2 with the mixture-of-experts deepseek-v3 needs "
                               "sequence parallelism, as Megatron-Core requires (expected sequence_parallel: true)"),
            std::string::npos)
      << error_of(tp2);
  EXPECT_NO_THROW(parse(with("  dp: 8", "  dp: 4\n  tp: 2\n  sequence_parallel: true")));
}

// Megatron-Core's rules on --overlap-moe-expert-parallel-comm (transformer_config.py): EP above 1, virtual pipeline
// stages where pp > 1, no full recomputation; DualPipe pairs F and B by itself.
TEST(LayoutRules, EpOverlapFollowsMegatronCoresRules) {
  const std::string interleaved = with("  schedule: dualpipe", "  schedule: interleaved\n  virtual_stages: 2");
  EXPECT_TRUE(parse(with("  ep: 8", "  ep: 8\n  ep_overlap: true", interleaved)).layout.pairs_forward_and_backward());
  EXPECT_FALSE(parse(interleaved).layout.pairs_forward_and_backward());
  EXPECT_TRUE(parse(kValidScenario).layout.pairs_forward_and_backward());  // DualPipe
  EXPECT_NE(error_of(with("  ep: 8", "  ep: 8\n  ep_overlap: true", with("  schedule: dualpipe", "  schedule: 1f1b")))
                .find("parallelism.ep_overlap: the EP all-to-all overlap with a pipeline needs the interleaved "
                      "schedule, got 1f1b"),
            std::string::npos);
  EXPECT_NE(error_of(with("  ep: 8", "  ep: 1\n  ep_overlap: true", interleaved))
                .find("parallelism.ep_overlap: the EP all-to-all overlap needs expert parallelism (ep > 1)"),
            std::string::npos);
  EXPECT_NE(error_of(with("  recompute: deepseek", "  recompute: full",
                          with("  ep: 8", "  ep: 8\n  ep_overlap: true", interleaved)))
                .find("parallelism.ep_overlap: the EP all-to-all overlap does not run with full recomputation"),
            std::string::npos);
  // Without a pipeline Megatron-Core pairs 1F1B's micro-batches too.
  const std::string one_stage = with("  pp: 4", "  pp: 1", with("  nodes: 4", "  nodes: 1",
                                     with("  schedule: dualpipe", "  schedule: 1f1b")));
  EXPECT_TRUE(parse(with("  ep: 8", "  ep: 8\n  ep_overlap: true", one_stage)).layout.pairs_forward_and_backward());
}

// The all-to-all's path (models/ep_traffic.h) is read where there is an all-to-all, and refused where there is none.
TEST(LayoutRules, EpDispatchNeedsExpertParallelism) {
  EXPECT_EQ(parse(with("  ep: 8", "  ep: 8\n  ep_dispatch: per-expert")).layout.ep_dispatch,
            models::EpDispatch::kPerExpert);
  EXPECT_EQ(parse(kValidScenario).layout.ep_dispatch, models::EpDispatch::kPerNode);
  EXPECT_NE(error_of(with("  ep: 8", "  ep: 1\n  ep_dispatch: per-expert"))
                .find("parallelism.ep_dispatch: ep_dispatch: per-expert without expert parallelism (ep 1)"),
            std::string::npos);
  EXPECT_NE(error_of(with("  ep: 8", "  ep: 8\n  ep_dispatch: deepep")).find("parallelism.ep_dispatch"),
            std::string::npos);
}

}  // namespace
}  // namespace trainsim::sim
