// ShapedOpTimeModel: ops with shapes go to their shape model, memory-bound ops to their bytes, the rest to the
// roofline; it says which priced each op.
#include "hardware/shaped_op_time_model.h"

#include <gtest/gtest.h>

#include "hardware/gpu_catalog.h"

namespace trainsim::hw {
namespace {

using models::Dtype;
using models::Op;
using models::OpKind;
using models::Pass;

ShapedOpTimeModel deepseek_model() {
  OpShapeTable shapes;
  // A projection of 4096 tokens, hidden 7168 to 2112 (q_a + kv_a of MLA); its input gradient is 7168 wide.
  shapes.add("attn.down", Pass::kForward, GemmShape::dense(4096, 2112, 7168, Dtype::kFp8));
  shapes.add("attn.down", Pass::kBackwardInput, GemmShape::dense(4096, 7168, 2112, Dtype::kFp8));
  shapes.add("attn.core", Pass::kForward, AttentionShape{});
  shapes.add("attn.core", Pass::kBackwardInput, AttentionShape{});
  return ShapedOpTimeModel(find_gpu("h800"), ShapedConstants{}, std::move(shapes), 112);
}

TEST(ShapedOpTimeModel, GemmsWithShapesArePricedByTheirTiles) {
  const ShapedOpTimeModel model = deepseek_model();
  Op forward{"attn.down", OpKind::kGemm, Dtype::kFp8, Pass::kForward};
  forward.flops = 2.0 * 4096 * 2112 * 7168;
  EXPECT_EQ(model.pricing(forward), OpPricing::kGemmShape);
  const GemmTimeModel gemm(find_gpu("h800"), deepgemm_fp8_h800_constants(), assumed_memory_constants().hbm_time_factor);
  EXPECT_DOUBLE_EQ(model.seconds(forward), gemm.seconds(GemmShape::dense(4096, 2112, 7168, Dtype::kFp8), 112));
  // The weight gradient has no shape in the table: the roofline prices it, and says so.
  Op weight = forward;
  weight.pass = Pass::kBackwardWeight;
  EXPECT_EQ(model.pricing(weight), OpPricing::kRoofline);
  EXPECT_EQ(op_pricing_name(model.pricing(weight)), "roofline");
  EXPECT_DOUBLE_EQ(model.seconds(weight),
                   RooflineOpTimeModel(find_gpu("h800"), RooflineEfficiencies{}, 112.0 / 132).seconds(weight));
  // A shape whose dtype disagrees with the op's is a catalog bug.
  Op bf16 = forward;
  bf16.dtype = Dtype::kBf16;
  EXPECT_THROW(model.seconds(bf16), Error);
}

TEST(ShapedOpTimeModel, AttentionBackwardRunsTheBackwardKernel) {
  const ShapedOpTimeModel model = deepseek_model();
  Op forward{"attn.core", OpKind::kAttention, Dtype::kBf16, Pass::kForward};
  Op backward = forward;
  backward.pass = Pass::kBackwardInput;
  Op recomputed = backward;
  recomputed.recomputed = true;
  EXPECT_EQ(model.pricing(forward), OpPricing::kAttentionShape);
  EXPECT_GT(model.seconds(backward), 2 * model.seconds(forward));
  EXPECT_DOUBLE_EQ(model.seconds(recomputed), model.seconds(forward));
}

TEST(ShapedOpTimeModel, MemoryBoundOpsArePricedByTheirBytes) {
  const ShapedOpTimeModel model = deepseek_model();
  Op cast{"moe.quantize", OpKind::kQuantize, Dtype::kFp8, Pass::kForward};
  cast.hbm_bytes = 1e8;
  EXPECT_EQ(model.pricing(cast), OpPricing::kMemoryBytes);
  EXPECT_DOUBLE_EQ(model.seconds(cast), MemoryTimeModel(find_gpu("h800"), assumed_memory_constants())
                                            .seconds(MemoryOpShape{1e8, 0, 1}, 112));
  Op router{"moe.topk", OpKind::kRouter, Dtype::kFp32, Pass::kForward};
  router.hbm_bytes = 1e6;
  EXPECT_EQ(model.pricing(router), OpPricing::kRoofline);
}

}  // namespace
}  // namespace trainsim::hw
