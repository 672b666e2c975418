// The GPU check's pipelines (model_parallel_check_layouts.h), written out because the GPU machine builds kernels/
// without sim/, are the simulator's schedules as the pipeline tests convert them (schedule_plans.h): a GPU run checks
// over NCCL what CI checks against one device.
#include "kernels/model/model_parallel_check_layouts.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/schedules/dualpipe_schedule.h"
#include "sim/schedules/linear_schedules.h"
#include "tests/kernels/model/schedule_plans.h"

namespace trainsim::kernels::model {
namespace {

const PipelineLayout& layout_named(const std::vector<PipelineLayout>& layouts, const std::string& name) {
  for (const PipelineLayout& layout : layouts)
    if (layout.name == name) return layout;
  throw std::invalid_argument("no layout " + name);
}

void expect_same_plan(const PipelinePlan& written, const PipelinePlan& simulated) {
  ASSERT_EQ(written.size(), simulated.size());
  for (size_t r = 0; r < written.size(); ++r) {
    EXPECT_EQ(written[r].stage_of_lane, simulated[r].stage_of_lane) << "rank " << r;
    ASSERT_EQ(written[r].ops.size(), simulated[r].ops.size()) << "rank " << r;
    for (size_t i = 0; i < written[r].ops.size(); ++i) {
      const PipelineOp &a = written[r].ops[i], &b = simulated[r].ops[i];
      EXPECT_TRUE(a.pass == b.pass && a.micro_batch == b.micro_batch && a.lane == b.lane)
          << "rank " << r << " op " << i;
    }
  }
}

TEST(ModelParallelCheckLayouts, AreTheSimulatorsSchedules) {
  const std::vector<PipelineLayout> layouts = model_parallel_check_layouts();
  constexpr int kStages = 2, kMicroBatches = kParallelCheckMicroBatches;
  const struct {
    const char* name;
    sim::PipelineSchedule schedule;
    StageCopies copies;
  } cases[] = {{"PP 2 GPipe", sim::gpipe_schedule(kStages, kMicroBatches), StageCopies::kOne},
               {"PP 2 DualPipeV (one rank)", sim::dualpipev_schedule(kStages, kMicroBatches), StageCopies::kOne},
               {"PP 2 DualPipe", sim::dualpipe_schedule(kStages, kMicroBatches), StageCopies::kTwoDirections}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const PipelineLayout& layout = layout_named(layouts, c.name);
    EXPECT_EQ(layout.stages, c.schedule.stages());
    EXPECT_EQ(layout.copies, c.copies);
    expect_same_plan(layout.plan, testing::plan_of(c.schedule));
    // Where each direction runs each stage; an empty list is stage s on rank s.
    const std::vector<std::vector<int>> simulated = testing::rank_of_stage_by_direction(c.schedule);
    ASSERT_EQ(layout.rank_of_stage.size(), simulated.size());
    for (size_t d = 0; d < simulated.size(); ++d) {
      std::vector<int> written = layout.rank_of_stage[d];
      if (written.empty())
        for (int s = 0; s < layout.stages; ++s) written.push_back(s);
      EXPECT_EQ(written, simulated[d]) << "direction " << d;
    }
  }
  // PP 1: the whole model, every forward then every backward.
  const PipelineLayout& whole = layout_named(layouts, "PP 1");
  ASSERT_EQ(whole.plan.size(), 1u);
  EXPECT_EQ(whole.plan[0].ops.size(), size_t(2 * kMicroBatches));
}

}  // namespace
}  // namespace trainsim::kernels::model
