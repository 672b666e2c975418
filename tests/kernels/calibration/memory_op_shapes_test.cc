// The model's op and shape that a memory-bound calibration call stands for (kernels/calibration/memory_op_shapes.h),
// which the host's loops and the GPU's kernels both run: hand counts on the small config (hidden 128, 4 heads, rope
// 16, expert width 32, 16 experts, top 4). host_memory_ops_test.cc holds every op of the model's step to it.
#include "kernels/calibration/memory_op_shapes.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <stdexcept>

namespace trainsim::kernels {
namespace {

const std::string kConfig = std::string(TRAINSIM_SOURCE_DIR) + "/kernels/model/configs/reduced-deepseek-v3-small.json";

CalibrationCall call_of(const std::string& op, std::int64_t bytes) {
  CalibrationCall c;
  c.family = "memory_bound";
  c.op = op;
  c.bytes = bytes;
  return c;
}

TEST(MemoryOpShapes, TheRoutedExpertsSwigluIsALoopPerExpertOverItsShareOfTheRows) {
  const model::ModelConfig m = model::load_model_config(kConfig);
  // 128 tokens x top 4 = 512 rows, each reading [gate, up] (2 x 32 BF16) and writing 32: 192 bytes a row.
  const auto s = memory_op_shape(call_of("elementwise", 512 * 192), "moe.experts.swiglu", m);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->op, MemoryOp::kSwiglu);
  EXPECT_EQ(s->rows, 512);
  EXPECT_EQ(s->width, 32);
  EXPECT_EQ(s->loop_rows, std::vector<int>(16, 32));
  // 515 rows: three experts take one more (the catalog's balanced share, rounded).
  const auto uneven = memory_op_shape(call_of("elementwise", 515 * 192), "moe.experts.swiglu", m);
  ASSERT_TRUE(uneven.has_value());
  EXPECT_EQ(std::accumulate(uneven->loop_rows.begin(), uneven->loop_rows.end(), 0), 515);
  EXPECT_EQ(uneven->loop_rows.front(), 33);
  EXPECT_EQ(uneven->loop_rows.back(), 32);
  // The dense MLP's (width 320) is one loop of every row; its backward reads 5 values per output (1,600 x 2 bytes).
  const auto dense = memory_op_shape(call_of("elementwise", 128 * 3200), "mlp.swiglu.bwd", m);
  ASSERT_TRUE(dense.has_value());
  EXPECT_TRUE(dense->backward);
  EXPECT_EQ(dense->loop_rows, std::vector<int>{128});
}

TEST(MemoryOpShapes, RopeNormsAndSumsReadTheirRowsBack) {
  const model::ModelConfig m = model::load_model_config(kConfig);
  // RoPE rewrites 4 heads x 16 rope dims and the shared key's 16: 80 values in and out, 320 bytes a token forward.
  const auto rope = memory_op_shape(call_of("elementwise", 128 * 320), "attn.rope", m);
  ASSERT_TRUE(rope.has_value());
  EXPECT_EQ(rope->op, MemoryOp::kRope);
  EXPECT_EQ(rope->rows, 128);
  // attn.q_norm over the query latent (32 wide): 4 bytes a value forward.
  const auto norm = memory_op_shape(call_of("norm", 128 * 32 * 4), "attn.q_norm", m);
  ASSERT_TRUE(norm.has_value());
  EXPECT_EQ(norm->width, 32);
  EXPECT_EQ(norm->rows, 128);
  // A gradient sum: 6 bytes a value.
  EXPECT_EQ(memory_op_shape(call_of("elementwise", 6 * 1000), "moe.input_grad_sum", m)->rows, 1000);
  // What the model has no op of its own for, and bytes of another model.
  EXPECT_FALSE(memory_op_shape(call_of("elementwise", 2 * 257 * 128), "head.cross_entropy.bwd", m).has_value());
  EXPECT_THROW(memory_op_shape(call_of("elementwise", 1001), "attn.rope", m), std::invalid_argument);
}

TEST(MemoryOpShapes, TheRoutingOfACallIsTheModelsRuleOnItsTokens) {
  const model::ModelConfig m = model::load_model_config(kConfig);
  const RoutingRule rule = m.routing_rule();
  const CalibrationRouting r = calibration_routing(rule, 64);
  EXPECT_EQ(r.expert_ids.size(), 64u * 4);
  EXPECT_EQ(r.layout.total_rows(), 64 * 4);  // every (token, expert) a row, no padding
  const CalibrationRouting again = calibration_routing(rule, 64);
  EXPECT_EQ(again.expert_ids, r.expert_ids);  // seeded: the same plan times the same routing
}

// The reduced model's committed plans, read as the GPU's calibration_run reads them with the GPU config (gpu-steps.sh):
// every op of every memory-bound call at the full SM count, sweep points included (a base call's bytes x 1/4 and
// x 4, its ops), is a model op on whole rows or one the model runs none of; a refusal would lose the call's point
// in a lease.
TEST(MemoryOpShapes, EveryMemoryBoundCallOfTheModelsPlansReadsBackOnTheGpuConfig) {
  const std::string configs = std::string(TRAINSIM_SOURCE_DIR) + "/kernels/model/configs/";
  const model::ModelConfig gpu = model::load_model_config(configs + "reduced-deepseek-v3-gpu.json");
  for (const char* plan_file :
       {"kernels/model/reduced-deepseek-v3-h100.plan.json", "kernels/model/reduced-deepseek-v3-h100-fp8.plan.json"}) {
    std::ifstream in(std::string(TRAINSIM_SOURCE_DIR) + "/" + plan_file);
    ASSERT_TRUE(in) << plan_file;
    const nlohmann::json plan = nlohmann::json::parse(in);
    const int full_sms = plan["device"]["sm_count"].get<int>();
    int shaped = 0;
    // A sweep point stands for the ops of the last base call of its op and dtype (calibration_io.py flatten).
    std::map<std::pair<std::string, std::string>, std::vector<std::string>> base_ops;
    int sweep_points = 0;
    for (const nlohmann::json& c : plan["calls"]) {
      if (c["family"] != "memory_bound") continue;
      const std::pair<std::string, std::string> kind{c["op"].get<std::string>(), c["dtype"].get<std::string>()};
      const bool sweep = !c["sweep"].get<std::string>().empty();
      if (!sweep) base_ops[kind] = c.value("ops", std::vector<std::string>{});
      if (c["sms"].get<int>() < full_sms) continue;
      sweep_points += sweep;
      const CalibrationCall call = call_of(kind.first, c["shape"]["bytes"].get<std::int64_t>());
      for (const std::string& name : base_ops[kind]) {
        try {
          shaped += memory_op_shape(call, name, gpu).has_value();
        } catch (const std::invalid_argument& e) {
          ADD_FAILURE() << plan_file << " " << c["id"].get<std::string>() << ": " << e.what();
        }
      }
    }
    EXPECT_GT(shaped, 20) << plan_file;       // dozens of norms, adds, SwiGLUs, RoPEs and permutes
    EXPECT_GT(sweep_points, 10) << plan_file;  // the x 1/4 and x 4 points among them
  }
}

// The ids a lookup's or a loss's call runs on: inside the table, and (7919 is prime, so a stride prime to any table
// it does not divide) every id of a table of 256 once in 256 tokens: all rows of the table touched, none twice.
TEST(MemoryOpShapes, CalibrationIdsCoverTheTableOnceWithinItsSize) {
  const std::vector<int> ids = calibration_ids(256, 256);
  ASSERT_EQ(ids.size(), 256u);
  std::vector<int> sorted = ids;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int> every(256);
  std::iota(every.begin(), every.end(), 0);
  EXPECT_EQ(sorted, every);
  for (const int id : calibration_ids(100, 7)) EXPECT_TRUE(id >= 0 && id < 7) << id;
}

}  // namespace
}  // namespace trainsim::kernels
