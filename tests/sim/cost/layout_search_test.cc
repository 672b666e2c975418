// `trainsim plan`'s search: on the default scenario it finds DeepSeek-V3's published layout (PP 16 DualPipe,
// EP 64, TP 1, micro-batch 1, DeepSeek's recompute; tech report 3.2) or one the model prices as faster; every
// layout it keeps passes the loader's rules and fits in memory.
#include "sim/cost/layout_search.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>

#include "sim/scenario/layout_rules.h"
#include "sim/scenario/scenario_loader.h"

namespace trainsim::sim {
namespace {

bool is_deepseeks(const ParallelLayout& l) {
  return l.pp == 16 && l.schedule == ScheduleKind::kDualPipe && l.tp == 1 && l.ep == 64 && l.micro_batch_size == 1 &&
         l.recompute == models::Recompute::kDeepSeek;
}

TEST(LayoutSearch, FindsDeepSeeksLayoutOrAFasterOne) {
  const Scenario s = load_scenario(TRAINSIM_SOURCE_DIR "/scenarios/deepseek-v3-2048xh800.yaml");
  PlanRequest request;
  request.rerank = Fidelity::kAnalytic;
  const LayoutPlan plan = plan_layouts(s, request);
  ASSERT_FALSE(plan.best.empty());
  ASSERT_TRUE(plan.current_fits);
  EXPECT_TRUE(is_deepseeks(plan.current.layout));
  const bool found = std::any_of(plan.best.begin(), plan.best.end(), [](const PlanCandidate& c) { return is_deepseeks(c.layout); });
  EXPECT_TRUE(found || plan.best.front().closed_form_step_s < plan.current.closed_form_step_s);
  EXPECT_LE(plan.best.front().closed_form_step_s, plan.current.closed_form_step_s);
  for (const PlanCandidate& c : plan.best) {
    Scenario candidate = s;
    candidate.layout = c.layout;
    EXPECT_NO_THROW(check_layout_rules(candidate)) << layout_text(c.layout);
    EXPECT_LE(c.memory_gib, 80.0) << layout_text(c.layout);
  }
  EXPECT_GT(plan.rule_refused, 0);
  EXPECT_GT(plan.memory_refused, 0);
}

// The plan of `s` (re-ranked by the closed form), whose scenario's own layout is `is_published`: the search finds
// that layout among its best or one it prices as faster.
LayoutPlan expect_finds_published_or_faster(const Scenario& s,
                                            const std::function<bool(const ParallelLayout&)>& is_published) {
  PlanRequest request;
  request.rerank = Fidelity::kAnalytic;
  LayoutPlan plan = plan_layouts(s, request);
  EXPECT_FALSE(plan.best.empty());
  if (plan.best.empty()) return plan;
  EXPECT_TRUE(is_published(plan.current.layout));
  const bool found = std::any_of(plan.best.begin(), plan.best.end(),
                                 [&](const PlanCandidate& c) { return is_published(c.layout); });
  EXPECT_TRUE(found || plan.best.front().closed_form_step_s < plan.current.closed_form_step_s);
  EXPECT_LE(plan.best.front().closed_form_step_s, plan.current.closed_form_step_s);
  return plan;
}

// Llama 3's 405B on 16,384 H100 as Meta placed it (PP 16 interleaved over 8 chunks a rank, TP 8, DP 128, the
// embedding and the loss a chunk each; arXiv 2407.21783 section 3.3.2): the search tries that layout, so it
// finds it or one it prices as faster.
TEST(LayoutSearch, FindsMetasLlamaLayoutOrAFasterOne) {
  const Scenario s = load_scenario(TRAINSIM_SOURCE_DIR "/scenarios/validation/llama-3.1-405b-16384xh100.yaml");
  auto is_metas = [](const ParallelLayout& l) {
    return l.pp == 16 && l.schedule == ScheduleKind::kInterleaved && l.virtual_stages == 8 && l.tp == 8 &&
           l.dp == 128 && l.micro_batch_size == 1;
  };
  expect_finds_published_or_faster(s, is_metas);
}

// Llama 3's long-context row (TP 8, CP 16, PP 16 over 8 chunks a rank, DP 8 at sequence 131,072; arXiv 2407.21783
// table 4): the search tries CP 1, 2, 4, ..., 32 there (each rank keeping at least 4096 tokens: 131,072 / 32), so it
// finds Meta's layout or one it prices as faster; at DeepSeek-V3's sequence 4096 it tries CP 1 alone.
TEST(LayoutSearch, TriesContextParallelismAtLongSequences) {
  const Scenario s = load_scenario(TRAINSIM_SOURCE_DIR "/scenarios/validation/llama-3.1-405b-16384xh100-131k.yaml");
  auto is_metas = [](const ParallelLayout& l) {
    return l.pp == 16 && l.schedule == ScheduleKind::kInterleaved && l.virtual_stages == 8 && l.tp == 8 &&
           l.cp == 16 && l.dp == 8 && l.micro_batch_size == 1;
  };
  const LayoutPlan plan = expect_finds_published_or_faster(s, is_metas);
  // 131,072 tokens a sequence in 80 GB: every layout that fits splits the sequence.
  for (const PlanCandidate& c : plan.best) EXPECT_GT(c.layout.cp, 1) << layout_text(c.layout);
  // Six CP degrees (1 to 32) at 131,072 against one at 4096: six times the layouts (the other degrees being the same).
  Scenario short_sequences = s;
  short_sequences.job.sequence_length = 4096;
  short_sequences.layout.cp = 1;
  PlanRequest closed_form;
  closed_form.rerank = Fidelity::kAnalytic;
  EXPECT_EQ(plan.considered, 6 * plan_layouts(short_sequences, closed_form).considered);
}

// NVIDIA's DeepSeek-V3 recipe on 1,024 H100 (PP 8 interleaved over 4 chunks a rank, TP 2, EP 64, micro-batch 1,
// with Megatron-Core's EP overlap; docs/validation.md): the search tries the overlap where Megatron-Core runs it
// (interleaved, or 1F1B at pp 1, EP above 1, no full recompute), so it finds the recipe's layout or a faster one, and
// never offers the overlap where it cannot run.
TEST(LayoutSearch, TriesMegatronsEpOverlapWhereItRuns) {
  const Scenario s =
      load_scenario(TRAINSIM_SOURCE_DIR "/scenarios/validation/megatron-bridge-deepseek-v3-1024xh100.yaml");
  auto is_nvidias = [](const ParallelLayout& l) {
    return l.pp == 8 && l.schedule == ScheduleKind::kInterleaved && l.virtual_stages == 4 && l.tp == 2 &&
           l.ep == 64 && l.ep_overlap && l.micro_batch_size == 1;
  };
  const LayoutPlan plan = expect_finds_published_or_faster(s, is_nvidias);
  for (const PlanCandidate& c : plan.best) {
    Scenario candidate = s;
    candidate.layout = c.layout;
    EXPECT_NO_THROW(check_layout_rules(candidate)) << layout_text(c.layout);
  }
}

}  // namespace
}  // namespace trainsim::sim
