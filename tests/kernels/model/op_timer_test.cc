// Per-op timing of one training step of the tiny config (op_timer.h): the ops recorded per kind and pass counted
// by hand from the model's structure, the law that the timed ops run inside the timed step, and the JSON read back.
#include "kernels/model/op_timer.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <stdexcept>
#include <iterator>
#include <utility>

#include "kernels/model/json_reader.h"
#include "kernels/model/op_timing_json.h"
#include "kernels/model/training_step.h"
#include "tests/kernels/model/model_test_util.h"

namespace trainsim::kernels::model {
namespace {

const std::vector<int> kIds = {3, 1, 4, 1, 5, 9, 2, 6, 5};  // the test batch's 5 + 4 tokens, vocab 32

// One timed training step of the tiny config.
StepTiming timed_step() {
  ReducedDeepSeekV3 model(testing::tiny_config(), 1);
  AdamW optimizer(AdamWConfig{}, model.weights);
  OpTimer timer;
  model.options.op_timer = &timer;
  timer.begin_step();
  training_step(model, optimizer, kIds, testing::test_batch(), 0.001);
  timer.end_step();
  return timer.steps().at(0);
}

TEST(OpTimer, OpsPerKindAndPassCountedByHand) {
  // Tiny config: layer 0 dense, layer 1 MoE, one MTP depth with a MoE block: 3 blocks, 2 MoE blocks of 8 routed
  // experts and a shared expert. Per block, MLA runs 5 projections forward (q_down, q_up, kv_down, kv_up, o_proj)
  // and the same 5 backward (q_down's output is kept, as the simulator's catalog keeps it), one attention core each
  // way. SwiGLU MLPs (each: 2 GEMM ops, 1 swiglu): dense 1, shared 2, routed 2 x 8 (an expert with no token still
  // runs). Norm ops per block each way: 6 (forward:
  // attn_norm, q_norm, kv_norm, rope, residual_ffn_norm, residual; backward: residual_ffn_norm, rope, kv_norm,
  // q_norm, add_dx, attn_norm_residual) + 1 per SwiGLU (19 in all) + the MTP's input norms: 18 + 19 + 1 = 38; the
  // backward adds, per MoE block, the sum of the gate's and the experts' input gradients (add_dx): 40. Router:
  // forward router + balance loss, backward one, per MoE block. Permute: gather + combine per routed expert.
  // Embedding/head: embedding, head_loss, mtp_embedding, mtp_proj, mtp_head_loss each way. Optimizer: AdamW and the
  // bias update, and the gradient buffer's zeroing as the backward begins. No quantize op at FP64.
  const std::map<std::pair<OpKind, Pass>, int> expected = {
      {{OpKind::kProjection, Pass::kForward}, 15},      {{OpKind::kProjection, Pass::kBackward}, 15},
      {{OpKind::kAttentionCore, Pass::kForward}, 3},    {{OpKind::kAttentionCore, Pass::kBackward}, 3},
      {{OpKind::kMlpGemm, Pass::kForward}, 6},          {{OpKind::kMlpGemm, Pass::kBackward}, 6},
      {{OpKind::kExpertGemm, Pass::kForward}, 32},      {{OpKind::kExpertGemm, Pass::kBackward}, 32},
      {{OpKind::kNormElementwise, Pass::kForward}, 38}, {{OpKind::kNormElementwise, Pass::kBackward}, 40},
      {{OpKind::kRouter, Pass::kForward}, 4},           {{OpKind::kRouter, Pass::kBackward}, 2},
      {{OpKind::kPermute, Pass::kForward}, 32},         {{OpKind::kPermute, Pass::kBackward}, 32},
      {{OpKind::kEmbeddingHead, Pass::kForward}, 5},    {{OpKind::kEmbeddingHead, Pass::kBackward}, 5},
      {{OpKind::kOptimizer, Pass::kOptimizer}, 2},      {{OpKind::kOptimizer, Pass::kBackward}, 1},
  };
  std::map<std::pair<OpKind, Pass>, int> counted;
  const StepTiming step = timed_step();
  for (const TimedOp& op : step.ops) ++counted[{op.kind, op.pass}];
  EXPECT_EQ(counted, expected);
  for (const TimedOp& op : step.ops) {
    EXPECT_GE(op.layer, kNoLayer);
    EXPECT_LE(op.layer, 2);  // the MTP depth's block is layer num_hidden_layers = 2
  }
}

TEST(OpTimer, KindSumsAreNonNegativeAndFitInsideTheStep) {
  const StepTiming step = timed_step();
  int64_t sum_ns = 0;
  for (int k = 0; k < kOpKindCount; ++k) {
    EXPECT_GE(step.kind_ns[k], 0) << op_kind_name(static_cast<OpKind>(k));
    sum_ns += step.kind_ns[k];
  }
  EXPECT_GT(sum_ns, 0);
  EXPECT_LE(sum_ns, step.wall_ns);  // law: every op runs inside the step, one after another
  EXPECT_EQ(step.kind_ns[static_cast<int>(OpKind::kQuantize)], 0);
}

TEST(OpTimer, NestedOpsAreCountedOnceAndADetachedModelRecordsNothing) {
  OpTimer timer;
  timer.begin_step();
  {
    const AttachOpTimer attach(&timer, Pass::kForward);
    const OpScope outer(OpKind::kProjection, "outer");
    const OpScope inner(OpKind::kNormElementwise, "inner");
  }
  {
    const OpScope detached(OpKind::kRouter, "detached");  // no timer attached any more
  }
  timer.end_step();
  ASSERT_EQ(timer.steps().at(0).ops.size(), 1u);
  EXPECT_EQ(timer.steps()[0].ops[0].name, "outer");
  EXPECT_EQ(attached_op_timer(), nullptr);

  // Timing changes no arithmetic: the same step with and without a timer gives the same losses bit for bit.
  ReducedDeepSeekV3 plain(testing::tiny_config(), 1), timed(testing::tiny_config(), 1);
  timed.options.op_timer = &timer;
  EXPECT_EQ(plain.forward(kIds, testing::test_batch()).total_loss,
            timed.forward(kIds, testing::test_batch()).total_loss);
}

TEST(OpTimer, TimingsJsonReadsBack) {
  const std::vector<StepTiming> steps = {timed_step(), timed_step()};
  const TimingsRun run{"configs/a \"quoted\" name.json", "bf16", "cpu", 4, 32};
  const std::vector<std::vector<std::vector<std::int64_t>>> routing = {{{3, 0, 5}, {1, 7, 0}}, {{8, 0, 0}, {2, 2, 4}}};
  const JsonValue root = parse_json(op_timings_json(run, steps, routing), "timings");
  EXPECT_THROW(op_timings_json(run, steps, {routing[0]}), std::invalid_argument);  // a step without its routing
  // What the file was measured on, strings escaped.
  const JsonValue* measured_on = root.find("run");
  ASSERT_NE(measured_on, nullptr);
  EXPECT_EQ(measured_on->find("config")->text, run.config);
  EXPECT_EQ(measured_on->find("precision")->text, "bf16");
  EXPECT_EQ(measured_on->find("backend")->text, "cpu");
  EXPECT_EQ(measured_on->find("sequences")->number, 4);
  EXPECT_EQ(measured_on->find("length")->number, 32);
  ASSERT_NE(measured_on->find("launches_held"), nullptr);
  EXPECT_FALSE(measured_on->find("launches_held")->boolean);  // a CPU back-end holds no stream
  TimingsRun held = run;
  held.launches_held = true;
  EXPECT_TRUE(parse_json(op_timings_json(held, steps, routing), "timings").find("run")->find("launches_held")->boolean);
  // What ran on the device: every key false for the CPU back-end's run; set in turn, each says true, the rest not yet.
  const std::pair<const char*, bool TimingsRun::*> on_device_keys[] = {
      {"memory_bound_on_device", &TimingsRun::memory_bound_on_device},
      {"embedding_and_loss_on_device", &TimingsRun::embedding_and_loss_on_device},
      {"optimizer_on_device", &TimingsRun::optimizer_on_device},
      {"routing_on_device", &TimingsRun::routing_on_device}};
  TimingsRun on_device = run;
  for (size_t set = 0; set <= std::size(on_device_keys); ++set) {
    if (set > 0) on_device.*on_device_keys[set - 1].second = true;
    const JsonValue file = parse_json(op_timings_json(on_device, steps, routing), "timings");
    for (size_t key = 0; key < std::size(on_device_keys); ++key) {
      const JsonValue* value = file.find("run")->find(on_device_keys[key].first);
      ASSERT_NE(value, nullptr) << on_device_keys[key].first;
      EXPECT_EQ(value->boolean, key < set) << on_device_keys[key].first << " with " << set << " set";
    }
  }
  const JsonValue* list = root.find("steps");
  ASSERT_NE(list, nullptr);
  ASSERT_EQ(list->items.size(), 2u);
  for (size_t s = 0; s < steps.size(); ++s) {
    const JsonValue& step = list->items[s];
    EXPECT_EQ(step.find("step")->number, double(s));
    const double wall_s = step.find("wall_s")->number;
    const double parts_s =
        step.find("compute_s")->number + step.find("optimizer_s")->number + step.find("untimed_s")->number;
    EXPECT_NEAR(parts_s, wall_s, 4e-9 * wall_s);  // each printed to 9 significant digits
    EXPECT_NEAR(step.find("optimizer_s")->number, 1e-9 * double(steps[s].kind_ns[int(OpKind::kOptimizer)]),
                1e-9 * step.find("optimizer_s")->number);
    const JsonValue* kinds = step.find("compute_by_op_kind_s");
    ASSERT_NE(kinds, nullptr);
    EXPECT_EQ(kinds->fields.size(), 9u);  // the simulator's nine compute kinds, the optimizer apart
    for (int k = 0; k < kOpKindCount - 1; ++k) {
      const JsonValue* v = kinds->find(std::string(op_kind_name(static_cast<OpKind>(k))));
      ASSERT_NE(v, nullptr) << op_kind_name(static_cast<OpKind>(k));
      EXPECT_GE(v->number, 0);
    }
    // Each kind's FLOPs are its ops' (whole numbers, printed exactly): the GEMM kinds and the attention core have
    // some, the norms, permutes and embedding lookups none (op_catalog_agreement_test.cc checks their sizes).
    const JsonValue* flops = step.find("flops_by_op_kind");
    ASSERT_NE(flops, nullptr);
    EXPECT_EQ(flops->fields.size(), 9u);
    std::map<OpKind, double> summed;
    for (const TimedOp& op : steps[s].ops) summed[op.kind] += op.flops;
    for (int k = 0; k < kOpKindCount - 1; ++k) {
      const OpKind kind = static_cast<OpKind>(k);
      const JsonValue* v = flops->find(std::string(op_kind_name(kind)));
      ASSERT_NE(v, nullptr) << op_kind_name(kind);
      EXPECT_EQ(v->number, summed[kind]) << op_kind_name(kind);
    }
    for (OpKind kind : {OpKind::kAttentionCore, OpKind::kProjection, OpKind::kMlpGemm, OpKind::kExpertGemm,
                        OpKind::kRouter, OpKind::kEmbeddingHead})
      EXPECT_GT(summed[kind], 0) << op_kind_name(kind);
    for (OpKind kind : {OpKind::kNormElementwise, OpKind::kPermute, OpKind::kQuantize})
      EXPECT_EQ(summed[kind], 0) << op_kind_name(kind);
    // Device time per kind, the optimizer's too: none on the CPU back-end.
    const JsonValue* device = step.find("device_by_op_kind_s");
    ASSERT_NE(device, nullptr);
    EXPECT_EQ(device->fields.size(), 10u);
    for (int k = 0; k < kOpKindCount; ++k) {
      const JsonValue* v = device->find(std::string(op_kind_name(static_cast<OpKind>(k))));
      ASSERT_NE(v, nullptr) << op_kind_name(static_cast<OpKind>(k));
      EXPECT_EQ(v->number, 0);
    }
    EXPECT_EQ(step.find("device_untimed_s")->number, 0);
    // Each step's rows per expert, [MoE block][expert], as given.
    const JsonValue* rows = step.find("expert_rows");
    ASSERT_NE(rows, nullptr);
    ASSERT_EQ(rows->items.size(), routing[s].size());
    for (size_t b = 0; b < routing[s].size(); ++b) {
      ASSERT_EQ(rows->items[b].items.size(), routing[s][b].size());
      for (size_t e = 0; e < routing[s][b].size(); ++e)
        EXPECT_EQ(rows->items[b].items[e].number, double(routing[s][b][e]));
    }
  }
}

TEST(OpTimer, DeviceTimeGoesToTheOutermostOpAndIntoTheJsonAndTrace) {
  OpTimer timer;
  timer.begin_step();
  {
    AttachOpTimer attach(&timer, Pass::kForward);
    count_device_time(7);  // outside every op: the step's untimed device time
    {
      OpScope outer(OpKind::kProjection, "outer");
      count_device_time(1500);
      count_call_past_hold();  // a call whose queueing outlasted its stream hold, in or out of an op: the step's
      OpScope inner(OpKind::kMlpGemm, "inner");  // nested: its device time is the outer op's
      count_device_time(250);
    }
    count_call_past_hold();
  }
  count_device_time(99);  // no timer attached: nothing recorded
  count_call_past_hold();
  timer.end_step();
  const StepTiming& step = timer.steps().at(0);
  ASSERT_EQ(step.ops.size(), 1u);
  EXPECT_EQ(step.ops[0].device_ns, 1750);
  EXPECT_EQ(step.kind_device_ns[int(OpKind::kProjection)], 1750);
  EXPECT_EQ(step.kind_device_ns[int(OpKind::kMlpGemm)], 0);
  EXPECT_EQ(step.untimed_device_ns, 7);
  EXPECT_EQ(step.device_calls_past_hold, 2);
  const JsonValue root = parse_json(op_timings_json(TimingsRun{}, timer.steps()), "timings");
  const JsonValue& json_step = root.find("steps")->items.at(0);
  EXPECT_DOUBLE_EQ(json_step.find("device_by_op_kind_s")->find("projection")->number, 1.75e-6);
  EXPECT_DOUBLE_EQ(json_step.find("device_untimed_s")->number, 7e-9);
  EXPECT_EQ(json_step.find("device_calls_past_hold")->number, 2);
  const JsonValue trace = parse_json(op_trace_json(step, 0), "trace");
  const JsonValue& event = trace.find("traceEvents")->items.back();
  EXPECT_DOUBLE_EQ(event.find("args")->find("device_us")->number, 1.75);
}

// An FP8 GEMM call as the CUDA back-end times it (cuda_backend.cu): X's cast, W's cast, then the GEMM, in one op.
// The op keeps all three; the step puts the GEMM in the op's kind, X's cast in quantize (the catalog's quant_x) and
// W's apart (the catalog casts no weight per call).
TEST(OpTimer, AnFp8GemmsCastsAreCountedApartFromItsKernels) {
  OpTimer timer;
  timer.begin_step();
  {
    AttachOpTimer attach(&timer, Pass::kForward);
    OpScope op(OpKind::kMlpGemm, "fp8 gemm");
    count_device_time(300, DeviceWork::kActivationCast);
    count_device_time(200, DeviceWork::kWeightCast);
    count_device_time(1000);
  }
  timer.end_step();
  const StepTiming& step = timer.steps().at(0);
  ASSERT_EQ(step.ops.size(), 1u);
  EXPECT_EQ(step.ops[0].device_ns, 1500);
  EXPECT_EQ(step.ops[0].activation_cast_device_ns, 300);
  EXPECT_EQ(step.ops[0].weight_cast_device_ns, 200);
  EXPECT_EQ(step.kind_device_ns[int(OpKind::kMlpGemm)], 1000);
  EXPECT_EQ(step.kind_device_ns[int(OpKind::kQuantize)], 300);
  EXPECT_EQ(step.weight_cast_device_ns, 200);
  const JsonValue root = parse_json(op_timings_json(TimingsRun{}, timer.steps()), "timings");
  const JsonValue& json_step = root.find("steps")->items.at(0);
  EXPECT_DOUBLE_EQ(json_step.find("device_by_op_kind_s")->find("mlp_gemm")->number, 1e-6);
  EXPECT_DOUBLE_EQ(json_step.find("device_by_op_kind_s")->find("quantize")->number, 3e-7);
  EXPECT_DOUBLE_EQ(json_step.find("device_weight_casts_s")->number, 2e-7);
  const JsonValue trace = parse_json(op_trace_json(step, 0), "trace");
  const JsonValue& args = *trace.find("traceEvents")->items.back().find("args");
  EXPECT_DOUBLE_EQ(args.find("device_us")->number, 1.5);
  EXPECT_DOUBLE_EQ(args.find("activation_casts_us")->number, 0.3);
  EXPECT_DOUBLE_EQ(args.find("weight_casts_us")->number, 0.2);
}

TEST(OpTimer, WritesAtomically) {
  const std::string path = ::testing::TempDir() + "op_timer_test.json";
  write_text_atomically(path, "{\"a\": 1}\n");
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "{\"a\": 1}\n");
  EXPECT_FALSE(std::ifstream(path + ".tmp").good());
  std::remove(path.c_str());
  EXPECT_THROW(write_text_atomically("/nonexistent-dir/x.json", "{}"), std::runtime_error);
}

}  // namespace
}  // namespace trainsim::kernels::model
