// The kernel calls of a handmade layer and their sweep, counted by hand below; and the plan file's form.
#include "hardware/calibration_sweep.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <map>
#include <set>

namespace trainsim::hw {
namespace {

using models::Dtype;
using models::OpKind;
using models::OpRole;
using models::Pass;

models::Op op(std::string name, OpKind kind, Dtype dtype, Pass pass, models::OpShape shape = {}, double bytes = 0,
              bool recomputed = false) {
  models::Op o{std::move(name), kind, dtype, pass, OpRole::kAttention, 0, bytes};
  o.shape = shape;
  o.recomputed = recomputed;
  return o;
}

// A: an FP8 GEMM, again as its Bi (the same fp8_gemm kernel) and as its W (fp8_weight_gemm); D: a grouped GEMM;
// E/F/G: attention forward, backward and the forward recomputed in backward (the forward kernel); H: a norm;
// I: communication and J: an op moving no bytes, neither a kernel to time; K: a GEMM of A's shape at half M.
models::LayerOps layer() {
  const models::AttentionDims attention{1, 4096, 128, 192, 128, true};
  models::LayerOps l;
  l.ops = {
      op("a", OpKind::kGemm, Dtype::kFp8, Pass::kForward, models::GemmDims{1, 4096, 2112, 7168}),
      op("a.dgrad", OpKind::kGemm, Dtype::kFp8, Pass::kBackwardInput, models::GemmDims{1, 4096, 2112, 7168}),
      op("a.wgrad", OpKind::kGemm, Dtype::kFp8, Pass::kBackwardWeight, models::GemmDims{1, 4096, 2112, 7168}),
      op("d", OpKind::kGroupedGemm, Dtype::kFp8, Pass::kForward, models::GemmDims{8, 128, 4096, 7168}),
      op("e", OpKind::kAttention, Dtype::kBf16, Pass::kForward, attention),
      op("f", OpKind::kAttention, Dtype::kBf16, Pass::kBackwardInput, attention),
      op("g", OpKind::kAttention, Dtype::kBf16, Pass::kBackwardInput, attention, 0, true),
      op("h", OpKind::kNorm, Dtype::kBf16, Pass::kForward, {}, 1e6),
      op("i", OpKind::kCommunication, Dtype::kBf16, Pass::kForward, {}, 1e6),
      op("j", OpKind::kElementwise, Dtype::kBf16, Pass::kForward, {}, 0),
      op("k", OpKind::kGemm, Dtype::kFp8, Pass::kForward, models::GemmDims{1, 2048, 2112, 7168}),
  };
  return l;
}

std::vector<KernelCall> sweep() {
  const std::vector<models::LayerOps> layers{layer()};
  const std::vector<int> sms{132, 112, 132};  // the repeat is dropped
  return calibration_sweep(layers, sms);
}

std::string shape_text(const KernelCall& c) {
  std::string out;
  for (const ShapeDim& d : c.shape) out += d.name + "=" + std::to_string(d.size) + " ";
  return out;
}

// By hand, shapes per family (each at 132 and 112 SMs):
// fp8_gemm: A and its 7 steps less m x 1/2 (K's shape, a scenario shape of its own) = 7; D and its 3 = 4;
//   K, m x 1/4 (512), n x 1/2, n x 2, k x 1/2, k x 2 (m x 1/2 is A's m x 1/4, m x 2 is A) = 6: 17.
// fp8_weight_gemm: A's W and its 7 steps = 8 (K's shape is another family's).
// attention_forward: E (G folded in) and seq x 1/2, 2 = 3; attention_backward: F and 2 = 3.
// memory_bound: H and bytes x 1/4, 4 = 3. In all 34 shapes, 68 calls.
TEST(CalibrationSweep, CountsTheScenarioShapesAndTheirSweepByHand) {
  const std::vector<KernelCall> calls = sweep();
  ASSERT_EQ(calls.size(), 68u);
  std::map<KernelFamily, int> per_family;
  for (const KernelCall& c : calls) ++per_family[c.family];
  EXPECT_EQ(per_family[KernelFamily::kFp8Gemm], 34);
  EXPECT_EQ(per_family[KernelFamily::kFp8WeightGemm], 16);
  EXPECT_EQ(per_family[KernelFamily::kBf16Gemm], 0);
  EXPECT_EQ(per_family[KernelFamily::kAttentionForward], 6);
  EXPECT_EQ(per_family[KernelFamily::kAttentionBackward], 6);
  EXPECT_EQ(per_family[KernelFamily::kMemoryBound], 6);
  std::set<std::string> ids, shapes;
  for (const KernelCall& c : calls) {
    EXPECT_TRUE(ids.insert(c.id).second) << c.id;
    EXPECT_TRUE(shapes.insert(std::string(kernel_family_name(c.family)) + shape_text(c) + std::to_string(c.sms)).second)
        << c.id << " repeats " << shape_text(c);
  }
}

TEST(CalibrationSweep, OrderIsFamilyThenShapeThenSweepThenSms) {
  const std::vector<KernelCall> calls = sweep();
  EXPECT_EQ(calls[0].id, "fp8_gemm.000");
  EXPECT_EQ(shape_text(calls[0]), "m=4096 n=2112 k=7168 ");
  EXPECT_EQ(calls[0].sms, 132);
  EXPECT_EQ(calls[1].sms, 112);
  EXPECT_EQ(calls[0].sweep, "");
  EXPECT_EQ(calls[0].ops, (std::vector<std::string>{"a", "a.dgrad"}));  // Bi runs the same kernel
  EXPECT_EQ(calls[0].pass, Pass::kForward);
  EXPECT_EQ(calls[2].sweep, "m x 1/4");
  EXPECT_EQ(shape_text(calls[2]), "m=1024 n=2112 k=7168 ");
  EXPECT_TRUE(calls[2].ops.empty());
  EXPECT_EQ(calls[4].sweep, "m x 2");  // m x 1/2 is K's own shape, listed with K
  EXPECT_EQ(calls[12].sweep, "k x 2");
  EXPECT_EQ(shape_text(calls[12]), "m=4096 n=2112 k=14336 ");
  // D, the grouped GEMM: groups first, rows per group swept.
  EXPECT_EQ(calls[14].ops, std::vector<std::string>{"d"});
  EXPECT_EQ(shape_text(calls[14]), "groups=8 m=128 n=4096 k=7168 ");
  EXPECT_EQ(shape_text(calls[16]), "groups=8 m=32 n=4096 k=7168 ");
  // K after D, then the weight GEMMs in a family of their own, their pass W.
  EXPECT_EQ(calls[22].ops, std::vector<std::string>{"k"});
  EXPECT_EQ(calls[34].id, "fp8_weight_gemm.000");
  EXPECT_EQ(calls[34].pass, Pass::kBackwardWeight);
  EXPECT_EQ(calls[34].ops, std::vector<std::string>{"a.wgrad"});
  // Attention: the recomputed forward is a forward call; seq scales queries and keys together.
  EXPECT_EQ(calls[50].id, "attention_forward.000");
  EXPECT_EQ(calls[50].ops, (std::vector<std::string>{"e", "g"}));
  EXPECT_EQ(calls[52].dim("seq_q"), 2048);
  EXPECT_EQ(calls[52].dim("seq_kv"), 2048);
  EXPECT_EQ(calls[56].id, "attention_backward.000");
  EXPECT_EQ(calls[56].pass, Pass::kBackwardInput);
  // Memory-bound: bytes x 1/4 and x 4.
  EXPECT_EQ(calls[62].id, "memory_bound.000");
  EXPECT_EQ(calls[62].op, OpKind::kNorm);
  EXPECT_EQ(calls[64].dim("bytes"), 250000);
  EXPECT_EQ(calls[66].dim("bytes"), 4000000);
}

TEST(CalibrationSweep, SmallDimensionsStayAtOne) {
  models::LayerOps l;
  l.ops = {op("tiny", OpKind::kGemm, Dtype::kBf16, Pass::kForward, models::GemmDims{1, 2, 1, 1})};
  const std::vector<models::LayerOps> layers{l};
  const std::vector<int> sms{132};
  const std::vector<KernelCall> calls = calibration_sweep(layers, sms);
  // m x 1/4 and m x 1/2 both floor to m = 1: one call. n x 1/2 and k x 1/2 stay at 1: the shape itself.
  // So: the shape, m=1, m=4, n=2, k=2.
  ASSERT_EQ(calls.size(), 5u);
  EXPECT_EQ(calls[1].dim("m"), 1);
  EXPECT_EQ(calls[1].sweep, "m x 1/4");
  EXPECT_EQ(calls[0].family, KernelFamily::kBf16Gemm);
}

TEST(CalibrationSweep, PlanIsJsonOneCallALineAndTheSameEachTime) {
  const std::vector<KernelCall> calls = sweep();
  const CalibrationPlanSource source{"s.yaml", "h800", 132, 1.98e9, 20};
  const std::string text = format_calibration_plan(calls, source);
  EXPECT_EQ(text, format_calibration_plan(calls, source));
  const nlohmann::json plan = nlohmann::json::parse(text);
  EXPECT_EQ(plan["format"], 1);
  EXPECT_EQ(plan["scenario"], "s.yaml");
  EXPECT_EQ(plan["device"]["sm_count"], 132);
  EXPECT_EQ(plan["device"]["comm_sm_count"], 20);
  ASSERT_EQ(plan["calls"].size(), 68u);
  const nlohmann::json& first = plan["calls"][0];
  EXPECT_EQ(first["id"], "fp8_gemm.000");
  EXPECT_EQ(first["family"], "fp8_gemm");
  EXPECT_EQ(first["op"], "gemm");
  EXPECT_EQ(first["dtype"], "fp8");
  EXPECT_EQ(first["pass"], "F");
  EXPECT_EQ(first["shape"]["k"], 7168);
  EXPECT_EQ(first["sms"], 132);
  EXPECT_NE(text.find("\n    {\"id\":\"fp8_gemm.001\","), std::string::npos);
  EXPECT_EQ(text.back(), '\n');
}

}  // namespace
}  // namespace trainsim::hw
