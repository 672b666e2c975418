// The layout line names a scenario's framework choices only where they leave their defaults, so a run priced
// with separate gradient accumulation or the unfused loss says so.
#include "reports/layout_description.h"

#include <gtest/gtest.h>

namespace trainsim::reports {
namespace {

TEST(LayoutDescription, NamesFrameworkChoicesAwayFromTheirDefaults) {
  sim::ParallelLayout l;
  l.pp = 4;
  l.virtual_stages = 3;
  l.schedule = sim::ScheduleKind::kInterleaved;
  l.tp = 8;
  l.dp = 32;
  l.zero_stage = 0;
  l.micro_batch_size = 2;
  l.recompute = models::Recompute::kFull;
  l.attention_kernel = models::AttentionKernel::kUnfused;
  EXPECT_EQ(layout_description(l, 28, 2048),
            "PP 4 interleaved (v=3), TP 8, EP 1, DP 32 ZeRO-0, recompute full, unfused attention; 28 micro-batches "
            "of 2 x 2048 tokens");
  l.gradient_accumulation_fusion = false;
  l.cross_entropy_kernel = models::CrossEntropyKernel::kUnfused;
  EXPECT_EQ(layout_description(l, 28, 2048),
            "PP 4 interleaved (v=3), TP 8, EP 1, DP 32 ZeRO-0, recompute full, unfused attention, separate gradient "
            "accumulation, unfused cross-entropy; 28 micro-batches of 2 x 2048 tokens");
  l.residual_add = models::ResidualAdd::kSeparate;
  l.pipeline_p2p = sim::PipelineP2p::kBlockingScatterGather;
  EXPECT_EQ(layout_description(l, 28, 2048),
            "PP 4 interleaved (v=3), TP 8, EP 1, DP 32 ZeRO-0, recompute full, unfused attention, separate gradient "
            "accumulation, unfused cross-entropy, separate residual adds, blocking-scatter-gather pipeline sends; 28 "
            "micro-batches of 2 x "
            "2048 tokens");
}

}  // namespace
}  // namespace trainsim::reports
