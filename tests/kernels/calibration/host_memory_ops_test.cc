// The host calibration driver's memory-bound loops (kernels/calibration/host_memory_ops.h) against the op catalog
// whose bytes they read back: every memory-bound op of the small reduced DeepSeek-V3's step, its call built as the
// plan builds it (op kind, dtype, the catalog's bytes, its name), finds the model's loop on whole rows of the
// config's widths, except the ops the model has no loop of its own for; and hand-counted calls pick the loop they
// name. Crosses into models/ (the catalog), as op_catalog_agreement_test.cc does.
#include "kernels/calibration/host_memory_ops.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/model_presets.h"
#include "models/op_catalog.h"

namespace trainsim::kernels {
namespace {

const std::string kConfig = std::string(TRAINSIM_SOURCE_DIR) + "/kernels/model/configs/reduced-deepseek-v3-small.json";

CalibrationCall memory_call(const std::string& op, const std::string& dtype, std::int64_t bytes,
                            std::vector<std::string> ops) {
  CalibrationCall c;
  c.id = "memory_bound.000";
  c.family = "memory_bound";
  c.op = op;
  c.dtype = dtype;
  c.pass = "F";
  c.sms = 132;
  c.bytes = bytes;
  c.ops = std::move(ops);
  return c;
}

TEST(HostMemoryOps, EveryMemoryBoundOpOfTheSmallModelsStepHasItsLoopOnWholeRows) {
  const model::ModelConfig config = model::load_model_config(kConfig);
  const models::ModelConfig catalog_model = models::load_hf_config_file(kConfig);
  models::OpContext context;  // the plan's scenario: 4 sequences of 32 tokens on one GPU, BF16
  context.micro_batch_size = 4;
  context.sequence_length = 32;
  context.precision = models::precision_policy(models::TrainingPrecision::kBf16);
  context.residual_add = models::ResidualAdd::kSeparate;  // as the model adds its residuals (the scenario says so)
  // The ops without a loop of their own in the model: the cross-entropy's gradient comes out of its forward pass.
  const std::set<std::string> without_loop = {"head.cross_entropy.bwd"};
  std::set<std::string> seen;
  using models::LayerKind;
  for (const LayerKind kind :
       {LayerKind::kDense, LayerKind::kMoe, LayerKind::kEmbedding, LayerKind::kOutputHead, LayerKind::kMtp})
    for (const models::Op& op : models::build_layer_ops(catalog_model, kind, context).ops) {
      const bool memory_bound = op.kind == models::OpKind::kNorm || op.kind == models::OpKind::kElementwise ||
                                op.kind == models::OpKind::kRouter || op.kind == models::OpKind::kPermute ||
                                op.kind == models::OpKind::kEmbedding;
      if (!memory_bound || op.hbm_bytes <= 0) continue;
      seen.insert(op.name);
      const CalibrationCall call = memory_call(std::string(models::op_kind_name(op.kind)),
                                               std::string(models::dtype_name(op.dtype)),
                                               std::llround(op.hbm_bytes), {op.name});
      const std::optional<HostKernel> loop = host_memory_op(call, config);
      if (without_loop.count(op.name)) {
        EXPECT_FALSE(loop.has_value()) << op.name;
        continue;
      }
      ASSERT_TRUE(loop.has_value()) << op.name << " (" << op.hbm_bytes << " bytes) has no host loop";
      EXPECT_EQ(loop->loops_per_run, 1) << op.name;
      loop->run();  // inputs of the right sizes: a wrong shape would throw or read out of range (ASan)
    }
  // The step's memory-bound ops, by hand from the catalog (models/op_catalog.cc, mlp_ops.cc): none was skipped.
  for (const char* name : {"attn.norm", "attn.norm.bwd", "attn.q_norm", "attn.kv_norm.bwd", "attn.rope",
                           "attn.rope.bwd", "mlp.swiglu", "mlp.swiglu.bwd", "moe.topk", "moe.topk.bwd", "moe.permute",
                           "moe.permute.bwd", "moe.combine_sum", "moe.combine_sum.bwd", "moe.experts.swiglu",
                           "embed.lookup", "embed.scatter_add", "head.cross_entropy", "attn.input_grad_sum",
                           "moe.input_grad_sum", "moe.balance_loss", "moe.balance_loss.bwd", "attn.residual_add",
                           "attn.residual_grad_sum", "mlp.residual_add", "moe.residual_grad_sum"})
    EXPECT_TRUE(seen.count(name)) << name;
}

// Hand counts on the small config (hidden 128, kv_lora 16, 16 experts, top 4):
TEST(HostMemoryOps, ReadsTheShapeBackFromTheBytesAndRefusesBytesOfAnotherModel) {
  const model::ModelConfig config = model::load_model_config(kConfig);
  // attn.norm forward over 128 tokens: 128 x 128 BF16 values read and written, 65,536 bytes.
  const auto norm = host_memory_op(memory_call("norm", "bf16", 65536, {"attn.norm"}), config);
  ASSERT_TRUE(norm.has_value());
  EXPECT_EQ(norm->kernel, "rmsnorm_ref fp64");
  // attn.kv_norm.bwd: 3 x 2 bytes per value of rows of 16: 96 bytes a row; 100 bytes are not whole rows.
  EXPECT_EQ(host_memory_op(memory_call("norm", "fp32", 96 * 128, {"attn.kv_norm.bwd"}), config)->kernel,
            "rmsnorm_backward_ref fp64");
  try {
    host_memory_op(memory_call("norm", "fp32", 100, {"attn.kv_norm.bwd"}), config);
    ADD_FAILURE() << "100 bytes were taken as whole rows";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("attn.kv_norm.bwd: 100 bytes are not whole rows of 96 bytes"),
              std::string::npos)
        << e.what();
  }
  // moe.permute and its backward share a call (the same bytes: 128 tokens x top 4 rows of 128 BF16, read and
  // written = 262,144): each loop runs once and the call counts their mean.
  const auto permute =
      host_memory_op(memory_call("permute", "bf16", 262144, {"moe.permute", "moe.permute.bwd"}), config);
  ASSERT_TRUE(permute.has_value());
  EXPECT_EQ(permute->loops_per_run, 2);
  EXPECT_EQ(permute->kernel, "mean of gather_expert_rows fp64 + scatter_add_expert_rows fp64");
  // moe.balance_loss over 128 tokens: 16 FP32 scores and 4 int32 indices a token, 80 bytes, 10,240 in all; its
  // backward 16 scores read and their gradient written, 128 bytes a token. 10,040 bytes are not whole tokens.
  EXPECT_EQ(host_memory_op(memory_call("router", "fp32", 80 * 128, {"moe.balance_loss"}), config)->kernel,
            "sequence_balance_loss fp64");
  EXPECT_EQ(host_memory_op(memory_call("router", "fp32", 128 * 128, {"moe.balance_loss.bwd"}), config)->kernel,
            "copy of the balance loss's gradient fp64");
  EXPECT_THROW(host_memory_op(memory_call("router", "fp32", 10040, {"moe.balance_loss"}), config),
               std::invalid_argument);
  // The same loop named twice runs once (the block norms all share one call).
  EXPECT_EQ(host_memory_op(memory_call("norm", "bf16", 65536, {"attn.norm", "mlp.norm"}), config)->loops_per_run, 1);
}

TEST(HostMemoryOps, LeavesToTheCopyWhatTheModelHasNoLoopFor) {
  const model::ModelConfig config = model::load_model_config(kConfig);
  EXPECT_FALSE(host_memory_op(memory_call("norm", "bf16", 65536, {}), config).has_value());  // no op named
  EXPECT_FALSE(host_memory_op(memory_call("quantize", "fp8", 97 * 128, {"attn.q_down.quant_x"}), config).has_value());
  EXPECT_FALSE(
      host_memory_op(memory_call("elementwise", "bf16", 131328, {"head.cross_entropy.bwd"}), config).has_value());
  CalibrationCall gemm = memory_call("gemm", "bf16", 0, {"attn.q_down"});
  gemm.family = "bf16_gemm";
  EXPECT_FALSE(host_memory_op(gemm, config).has_value());
}

}  // namespace
}  // namespace trainsim::kernels
