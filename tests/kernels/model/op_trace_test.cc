// The Chrome trace of one training step of the tiny config (op_timing_json.h), read back with json_reader.h: one
// well-formed complete event per timed op, none overlapping on the one thread, durations summing to the kind sums.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include "kernels/model/json_reader.h"
#include "kernels/model/op_timing_json.h"
#include "kernels/model/training_step.h"
#include "tests/kernels/model/model_test_util.h"

namespace trainsim::kernels::model {
namespace {

// Microseconds printed with three decimals back to integer nanoseconds (exact below 2^53 ns).
int64_t to_ns(double us) { return std::llround(us * 1000); }

TEST(OpTrace, OneStepIsWellFormedSequentialAndSumsToTheKindTotals) {
  ReducedDeepSeekV3 model(testing::tiny_config(), 1);
  AdamW optimizer(AdamWConfig{}, model.weights);
  OpTimer timer;
  model.options.op_timer = &timer;
  timer.begin_step();
  training_step(model, optimizer, std::vector<int>{3, 1, 4, 1, 5, 9, 2, 6, 5}, testing::test_batch(), 0.001);
  timer.end_step();
  const StepTiming& step = timer.steps().at(0);

  const JsonValue root = parse_json(op_trace_json(step, 0), "trace");
  ASSERT_NE(root.find("displayTimeUnit"), nullptr);
  EXPECT_EQ(root.find("displayTimeUnit")->text, "ms");  // as the simulator's traces
  const JsonValue* events = root.find("traceEvents");
  ASSERT_NE(events, nullptr);
  ASSERT_EQ(events->items.size(), step.ops.size() + 2);  // process and thread names, then one event per op

  std::set<std::string> kind_names;
  for (int k = 0; k < kOpKindCount; ++k) kind_names.insert(std::string(op_kind_name(static_cast<OpKind>(k))));
  std::map<std::string, int64_t> dur_by_cat_ns;
  int64_t previous_end_ns = 0;
  for (size_t i = 2; i < events->items.size(); ++i) {
    const JsonValue& e = events->items[i];
    const TimedOp& op = step.ops[i - 2];
    ASSERT_EQ(e.kind, JsonKind::kObject);
    EXPECT_EQ(e.find("ph")->text, "X");
    EXPECT_EQ(e.find("name")->text, op.name);
    EXPECT_FALSE(e.find("name")->text.empty());
    EXPECT_TRUE(kind_names.count(e.find("cat")->text)) << e.find("cat")->text;
    EXPECT_EQ(e.find("pid")->number, 0);
    EXPECT_EQ(e.find("tid")->number, 0);
    const JsonValue* args = e.find("args");
    ASSERT_NE(args, nullptr);
    EXPECT_EQ(args->find("layer")->number, op.layer);
    EXPECT_TRUE(args->find("pass")->text == "F" || args->find("pass")->text == "B" || args->find("pass")->text == "O");
    const int64_t ts_ns = to_ns(e.find("ts")->number), dur_ns = to_ns(e.find("dur")->number);
    EXPECT_EQ(ts_ns, op.start_ns);
    EXPECT_EQ(dur_ns, op.duration_ns);
    EXPECT_GE(dur_ns, 0);
    EXPECT_GE(ts_ns, previous_end_ns) << "op " << i - 2 << " starts before the one before it ends";
    previous_end_ns = ts_ns + dur_ns;
    dur_by_cat_ns[e.find("cat")->text] += dur_ns;
  }
  EXPECT_LE(previous_end_ns, step.wall_ns);  // the last op ends inside the step
  for (int k = 0; k < kOpKindCount; ++k) {
    const std::string name(op_kind_name(static_cast<OpKind>(k)));
    EXPECT_EQ(dur_by_cat_ns[name], step.kind_ns[k]) << name;  // exact: both are whole nanoseconds
  }
}

}  // namespace
}  // namespace trainsim::kernels::model
