// The op catalog agrees with the closed-form counts: its parameters with count_parameters, its forward
// GEMM and attention FLOPs with the model FLOPs, backward with 2x forward; recomputation shows in backward.
#include "models/op_catalog.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <fmt/format.h>

#include "models/hf_config.h"
#include "models/model_presets.h"
#include "models/model_size.h"
#include "tests/models/model_test_data.h"

namespace trainsim::models {
namespace {

OpContext one_gpu() {
  OpContext c;
  c.micro_batch_size = 1;
  c.sequence_length = 4096;
  return c;
}

double model_forward_flops(const ModelConfig& m, const OpContext& c) {
  double flops = 0;
  for (int layer = 0; layer < m.num_layers; ++layer)
    flops += build_layer_ops(m, m.is_moe_layer(layer) ? LayerKind::kMoe : LayerKind::kDense, c).total_flops(Pass::kForward);
  return flops + build_layer_ops(m, LayerKind::kOutputHead, c).total_flops(Pass::kForward);
}

double catalog_parameters(const ModelConfig& m) {
  const OpContext c = one_gpu();
  double params = build_layer_ops(m, LayerKind::kEmbedding, c).parameters +
                  build_layer_ops(m, LayerKind::kOutputHead, c).parameters;
  for (int layer = 0; layer < m.num_layers; ++layer) {
    const LayerOps ops = build_layer_ops(m, m.is_moe_layer(layer) ? LayerKind::kMoe : LayerKind::kDense, c);
    params += ops.parameters + ops.expert_parameters;
  }
  return params;
}

TEST(OpCatalog, ParametersMatchTheClosedFormForEveryConfigKind) {
  // Biases, LayerNorms, sinks, q/k norms and learned positions (GPT-2, GPT-OSS, Qwen3, OLMoE) included.
  for (const char* file : {"qwen3-30b-a3b.json", "olmoe-1b-7b-0924.json", "gpt2.json", "gpt-oss-120b.json"}) {
    const ModelConfig m = load_data(file);
    EXPECT_NEAR(catalog_parameters(m) / count_parameters(m).total, 1.0, 1e-9) << file;
  }
}

// GPT-2's MLP is two GEMMs (c_fc h -> 4h, c_proj 4h -> h) around a GELU: forward 2 x 2 x tokens x h x 4h
// FLOPs, not the three matrices of SwiGLU.
TEST(OpCatalog, Gpt2MlpIsTwoMatricesAndAGelu) {
  const ModelConfig m = load_data("gpt2.json");
  const LayerOps ops = build_layer_ops(m, LayerKind::kDense, one_gpu());
  const double tokens = 4096, h = 768;
  double mlp_gemm_flops = 0;
  int gemms = 0, gelus = 0, swiglus = 0;
  for (const Op& op : ops.ops) {
    if (op.role == OpRole::kMlp && op.kind == OpKind::kGemm && op.pass == Pass::kForward) {
      mlp_gemm_flops += op.flops;
      ++gemms;
    }
    gelus += op.name == "mlp.gelu" ? 1 : 0;
    swiglus += op.name.find("swiglu") != std::string::npos ? 1 : 0;
  }
  EXPECT_EQ(gemms, 2);
  EXPECT_DOUBLE_EQ(mlp_gemm_flops, 2 * 2 * tokens * h * (4 * h));
  EXPECT_EQ(gelus, 1);
  EXPECT_EQ(swiglus, 0);
}

// A Qwen2-MoE shared expert has its own width (shared_expert_intermediate_size), not n x the routed width.
TEST(OpCatalog, QwenSharedExpertHasItsOwnWidth) {
  const ModelConfig m = model_from_hf_json(R"({"model_type": "qwen2_moe", "hidden_size": 64, "num_hidden_layers": 2,
      "vocab_size": 100, "num_attention_heads": 4, "intermediate_size": 128, "num_experts": 8, "num_experts_per_tok": 2,
      "moe_intermediate_size": 32, "shared_expert_intermediate_size": 96})", "cfg.json", "m");
  const LayerOps ops = build_layer_ops(m, LayerKind::kMoe, one_gpu());
  double shared_forward = 0;
  for (const Op& op : ops.ops)
    if (op.name.starts_with("moe.shared") && op.kind == OpKind::kGemm && op.pass == Pass::kForward) shared_forward += op.flops;
  EXPECT_DOUBLE_EQ(shared_forward, 3 * 2 * 4096.0 * 64 * 96);  // gate, up, down of 64 x 96
}

TEST(OpCatalog, ParametersMatchTheClosedForm) {
  for (const char* name : {"deepseek-v3", "llama-3.1-405b", "mixtral-8x7b", "qwen2.5-72b", "deepseek-v2-lite"}) {
    const ModelConfig m = load_preset(name);
    EXPECT_NEAR(catalog_parameters(m) / count_parameters(m).total, 1.0, 1e-9) << name;
  }
}

TEST(OpCatalog, ForwardFlopsMatchModelFlopsWithinOnePercent) {
  // The catalog adds norms, activations and the router's top-k to the GEMMs and attention of the model count.
  for (const char* name : {"deepseek-v3", "llama-3.1-405b"}) {
    const ModelConfig m = load_preset(name);
    const double per_token = model_forward_flops(m, one_gpu()) / 4096;
    EXPECT_NEAR(per_token / (train_flops_per_token(m, 4096) / 3), 1.0, 0.01) << name;
  }
}

TEST(OpCatalog, BackwardIsTwiceForwardForGemms) {
  const LayerOps ops = build_layer_ops(load_preset("deepseek-v3"), LayerKind::kMoe, one_gpu());
  double forward = 0, dgrad = 0, wgrad = 0;
  for (const Op& op : ops.ops) {
    if (op.kind != OpKind::kGemm && op.kind != OpKind::kGroupedGemm) continue;
    (op.pass == Pass::kForward ? forward : op.pass == Pass::kBackwardInput ? dgrad : wgrad) += op.flops;
  }
  EXPECT_DOUBLE_EQ(forward, dgrad);
  EXPECT_DOUBLE_EQ(forward, wgrad);
}

TEST(OpCatalog, DeepSeekRecomputeTradesMemoryForBackwardWork) {
  const ModelConfig m = load_preset("deepseek-v3");
  OpContext none = one_gpu(), deepseek = one_gpu(), full = one_gpu();
  deepseek.recompute = Recompute::kDeepSeek;
  full.recompute = Recompute::kFull;
  const LayerOps a = build_layer_ops(m, LayerKind::kMoe, none), b = build_layer_ops(m, LayerKind::kMoe, deepseek),
                 f = build_layer_ops(m, LayerKind::kMoe, full);
  EXPECT_LT(b.saved_activation_bytes, a.saved_activation_bytes);
  EXPECT_GT(b.total_flops(Pass::kBackwardInput), a.total_flops(Pass::kBackwardInput));
  EXPECT_DOUBLE_EQ(f.saved_activation_bytes, 4096.0 * 7168 * 2);
  EXPECT_NEAR(f.total_flops(Pass::kBackwardInput), a.total_flops(Pass::kBackwardInput) + a.total_flops(Pass::kForward), 1.0);
  bool up_projection_recomputed = false;
  for (const Op& op : b.ops) up_projection_recomputed |= op.recomputed && op.name == "attn.q_up";
  EXPECT_TRUE(up_projection_recomputed);
}

TEST(OpCatalog, ExpertParallelCommunicationFollowsTheDeepSeekPath) {
  OpContext c = one_gpu();
  c.ep = 64;
  const LayerOps ops = build_layer_ops(load_preset("deepseek-v3"), LayerKind::kMoe, c);
  const Op* dispatch = nullptr;
  const Op* combine = nullptr;
  const Op* dispatch_backward = nullptr;  // the combine's gradient, out to the experts
  const Op* combine_backward = nullptr;   // the dispatch's gradient, back to the tokens
  for (const Op& op : ops.ops) {
    if (op.name == "moe.dispatch") dispatch = &op;
    if (op.name == "moe.combine") combine = &op;
    if (op.name == "moe.combine.bwd") dispatch_backward = &op;
    if (op.name == "moe.dispatch.bwd") combine_backward = &op;
  }
  ASSERT_TRUE(dispatch && combine && dispatch_backward && combine_backward);
  // Tech report 3.3.3: the gradients before the down-projections go out in FP8; both combines stay BF16.
  EXPECT_DOUBLE_EQ(dispatch_backward->inter_node_bytes, dispatch->inter_node_bytes);
  EXPECT_DOUBLE_EQ(combine_backward->inter_node_bytes, combine->inter_node_bytes);
  // FP8 with one FP32 scale per 128 values over IB to 3.5 remote nodes on average; combine in BF16.
  EXPECT_DOUBLE_EQ(dispatch->inter_node_bytes, 4096 * 3.5 * 7168 * (1 + 4.0 / 128));
  EXPECT_DOUBLE_EQ(combine->inter_node_bytes, 4096 * 3.5 * 7168 * 2.0);
  EXPECT_NEAR(ops.expert_parameters, 4 * 3.0 * 7168 * 2048, 1);
}

// Megatron-Core's MoE layer under TP 2 with sequence parallelism (the only way it runs MoE with TP): each TP rank
// routes its own 2,048 of the micro-batch's 4,096 tokens to whole experts (expert_tp 1), so its gate, its
// all-to-alls and its grouped GEMMs carry half of TP 1's rows; the shared expert, split over TP, gathers all 4,096
// and runs half its width. DeepSeek-V3, EP 64: a token's 8 experts at 4 experts a GPU give a GPU 2,048 x 8 =
// 16,384 routed rows, the SwiGLU experts 3 GEMMs of 2 x rows x 7168 x 2048 FLOPs each in forward; the shared
// expert 3 x 2 x 4096 x 7168 x 1024; dispatch as above at 2,048 tokens. Without a shared expert (Mixtral) the
// block has no TP collective of its own.
TEST(OpCatalog, TensorParallelRanksRouteTheirOwnSequenceShard) {
  OpContext tp2 = one_gpu();
  tp2.ep = 64;
  tp2.tp = 2;
  tp2.sequence_parallel = true;
  const LayerOps v3 = build_layer_ops(load_preset("deepseek-v3"), LayerKind::kMoe, tp2);
  EXPECT_DOUBLE_EQ(op_named(v3, "moe.dispatch").inter_node_bytes, 2048 * 3.5 * 7168 * (1 + 4.0 / 128));
  EXPECT_DOUBLE_EQ(op_named(v3, "moe.gate").flops, 2.0 * 2048 * 7168 * 256);
  double routed_forward = 0, shared_forward = 0;
  for (const Op& op : v3.ops) {
    if (op.pass != Pass::kForward || op.recomputed) continue;
    if (op.kind == OpKind::kGroupedGemm) routed_forward += op.flops;
    if (op.kind == OpKind::kGemm && op.name.rfind("moe.shared", 0) == 0) shared_forward += op.flops;
  }
  EXPECT_DOUBLE_EQ(routed_forward, 3 * 2.0 * 16384 * 7168 * 2048);
  EXPECT_DOUBLE_EQ(shared_forward, 3 * 2.0 * 4096 * 7168 * 1024);
  int shared_collectives = 0;
  for (const Op& op : v3.ops) shared_collectives += op.role == OpRole::kMlpTp ? 1 : 0;
  EXPECT_EQ(shared_collectives, 4);  // all-gather and reduce-scatter, each way
  OpContext mixtral_tp2 = tp2;
  mixtral_tp2.ep = 8;
  for (const Op& op : build_layer_ops(load_preset("mixtral-8x7b"), LayerKind::kMoe, mixtral_tp2).ops)
    EXPECT_NE(op.role, OpRole::kMlpTp) << op.name;
}

// Megatron-Core's alltoall dispatcher (per expert): each of a token's 8 rows straight to its expert's GPU, 8 x 56/64 =
// 7 of them over the NICs at EP 64 (models/ep_traffic.h), and every all-to-all op says which path it took, so its
// NIC time follows that path's kernels (hardware/deepep_rates.h).
TEST(OpCatalog, PerExpertAllToAllsCarryEveryRowAndSayTheirPath) {
  OpContext c = one_gpu();
  c.ep = 64;
  c.ep_dispatch = EpDispatch::kPerExpert;
  const LayerOps ops = build_layer_ops(load_preset("deepseek-v3"), LayerKind::kMoe, c);
  EXPECT_DOUBLE_EQ(op_named(ops, "moe.combine").inter_node_bytes, 4096 * 7.0 * 7168 * 2.0);
  int all_to_alls = 0;
  for (const Op& op : ops.ops) {
    if (op.comm != CommKind::kEpDispatch && op.comm != CommKind::kEpCombine) continue;
    ++all_to_alls;
    EXPECT_EQ(op.ep_dispatch, EpDispatch::kPerExpert) << op.name;
  }
  EXPECT_EQ(all_to_alls, 4);
}

// DeepSeek's trace shows, per layer of its backward, two BF16 adds of 54-60 us after the gate's and the attention
// input's GEMMs (hardware/calibration/traces/README.md): autograd summing the two gradients of an input read twice.
// Each reads two [4096, 7168] BF16 gradients and writes their sum: 3 x 4096 x 7168 x 2 = 176,160,768 bytes, which
// at the trace's 80% of 3.35 TB/s is 66 us. A dense GPT layer (fused QKV, no gate) has no such input.
TEST(OpCatalog, InputsReadTwiceSumTheirGradientsInBackward) {
  const OpContext c = one_gpu();
  std::vector<std::string> sums;
  for (const Op& op : build_layer_ops(load_preset("deepseek-v3"), LayerKind::kMoe, c).ops) {
    if (op.name.find("input_grad_sum") == std::string::npos) continue;
    sums.push_back(op.name);
    EXPECT_EQ(op.kind, OpKind::kElementwise);
    EXPECT_EQ(op.pass, Pass::kBackwardInput);
    EXPECT_DOUBLE_EQ(op.hbm_bytes, 176160768.0) << op.name;
  }
  EXPECT_EQ(sums, (std::vector<std::string>{"attn.input_grad_sum", "moe.input_grad_sum"}));
  for (const Op& op : build_layer_ops(load_data("gpt2.json"), LayerKind::kDense, c).ops)
    EXPECT_EQ(op.name.find("input_grad_sum"), std::string::npos) << op.name;
}

// DeepSeek-V3's sequence-wise balance loss (its report, eq. 17-20) over one 4096-token micro-batch of its 256
// experts, top 8: forward reads each token's 256 FP32 scores and 8 int32 indices, 4096 x (256 x 4 + 8 x 4) =
// 4,325,376 bytes; backward reads the scores and writes their gradient, 2 x 4096 x 256 x 4 = 8,388,608. A config
// whose training computes no balance loss has neither op.
TEST(OpCatalog, TheRoutersBalanceLossReadsTheScoresOnceEachWay) {
  const OpContext c = one_gpu();
  const LayerOps v3 = build_layer_ops(load_preset("deepseek-v3"), LayerKind::kMoe, c);
  const Op& forward = op_named(v3, "moe.balance_loss");
  EXPECT_EQ(forward.kind, OpKind::kRouter);
  EXPECT_EQ(forward.pass, Pass::kForward);
  EXPECT_DOUBLE_EQ(forward.hbm_bytes, 4325376.0);
  const Op& backward = op_named(v3, "moe.balance_loss.bwd");
  EXPECT_EQ(backward.pass, Pass::kBackwardInput);
  EXPECT_DOUBLE_EQ(backward.hbm_bytes, 8388608.0);
  const LayerOps mixtral = build_layer_ops(load_preset("mixtral-8x7b"), LayerKind::kMoe, c);
  EXPECT_EQ(find_op(mixtral, "moe.balance_loss"), nullptr);
  EXPECT_EQ(find_op(mixtral, "moe.balance_loss.bwd"), nullptr);
}

TEST(OpCatalog, TensorParallelismSplitsWorkAndAddsCollectives) {
  const ModelConfig m = load_preset("llama-3.1-405b");
  OpContext tp8 = one_gpu();
  tp8.tp = 8;
  const LayerOps one = build_layer_ops(m, LayerKind::kDense, one_gpu()), eight = build_layer_ops(m, LayerKind::kDense, tp8);
  EXPECT_NEAR(eight.parameters / one.parameters, 1.0 / 8, 0.001);
  int collectives = 0;
  for (const Op& op : eight.ops) collectives += op.comm == CommKind::kTpAllReduce ? 1 : 0;
  EXPECT_EQ(collectives, 4);  // attention and MLP, forward and backward
  // With TP communication overlap (and sequence parallelism, which Megatron requires for it) the sub-blocks'
  // collectives are marked to pipeline with their GEMMs; the vocab-parallel embedding's and head's are not.
  tp8.sequence_parallel = true;
  tp8.tp_comm_overlap = true;
  for (LayerKind kind : {LayerKind::kDense, LayerKind::kEmbedding, LayerKind::kOutputHead}) {
    for (const Op& op : build_layer_ops(m, kind, tp8).ops) {
      if (!op.is_communication()) continue;
      const bool sub_block = op.role == OpRole::kAttentionTp || op.role == OpRole::kMlpTp;
      EXPECT_EQ(op.hidden_under, sub_block ? HiddenUnder::kSubBlockGemms : HiddenUnder::kNothing) << op.name;
    }
  }
}

// A ring all-reduce sends 2 (t-1)/t of the tensor from each GPU; inside an 8-GPU node over NVLink, across nodes
// (TP 16) over the NIC, since each ring crosses nodes through one GPU's NIC and goes at its slowest link.
TEST(OpCatalog, TensorParallelCollectivesThatCrossNodesGoOverTheNics) {
  const ModelConfig m = load_preset("llama-3.1-405b");
  for (int tp : {8, 16}) {
    OpContext c = one_gpu();
    c.tp = tp;
    const LayerOps ops = build_layer_ops(m, LayerKind::kDense, c);
    const double all_reduce_bytes = 2.0 * 4096 * m.hidden_size * 2.0 * (tp - 1) / tp;  // BF16 [4096, hidden]
    int collectives = 0;
    for (const Op& op : ops.ops) {
      if (op.comm != CommKind::kTpAllReduce) continue;
      ++collectives;
      EXPECT_DOUBLE_EQ(op.intra_node_bytes, tp <= 8 ? all_reduce_bytes : 0.0) << op.name;
      EXPECT_DOUBLE_EQ(op.inter_node_bytes, tp <= 8 ? 0.0 : all_reduce_bytes) << op.name;
      // The NCCL collective behind the bytes: the whole BF16 [4096, hidden] tensor over the TP group, the
      // group filling its nodes (8 GPUs each) when it spans them.
      EXPECT_DOUBLE_EQ(op.message_bytes, 4096 * m.hidden_size * 2.0) << op.name;
      EXPECT_EQ(op.group_ranks, tp) << op.name;
      EXPECT_EQ(op.group_ranks_per_node, 8) << op.name;
    }
    EXPECT_EQ(collectives, 4) << tp;
  }
}

// Context parallelism (Llama 3, arXiv 2407.21783 section 3.3.2): each of the cp GPUs runs every GEMM on its
// seq / cp tokens and 1/cp of the causal attention pairs (the load-balanced split), and all-gathers K and V of
// the whole sequence before the core: 131,072 tokens x 1 KV head a GPU at TP 8 (8 KV heads) x (128 + 128) x 2
// bytes = 64 MiB, over 16 ranks, one a node (TP 8 fills the node); again in backward, and dK, dV reduce-scattered.
TEST(OpCatalog, ContextParallelismSplitsTheSequenceAndGathersKeysAndValues) {
  const ModelConfig m = load_preset("llama-3.1-405b");
  OpContext whole = one_gpu();
  whole.sequence_length = 131072;
  whole.tp = 8;
  OpContext split = whole;
  split.cp = 16;
  const LayerOps one = build_layer_ops(m, LayerKind::kDense, whole), cp16 = build_layer_ops(m, LayerKind::kDense, split);
  auto flops_of = [](const LayerOps& ops, bool core) {
    double flops = 0;
    for (const Op& op : ops.ops)
      if (!op.is_communication() && op.pass == Pass::kForward && (op.kind == OpKind::kAttention) == core)
        flops += op.flops;
    return flops;
  };
  EXPECT_NEAR(flops_of(cp16, false) / flops_of(one, false), 1.0 / 16, 1e-12);  // every op on seq / cp tokens
  EXPECT_NEAR(flops_of(cp16, true) / flops_of(one, true), 1.0 / 16, 1e-12);    // the core's pairs split evenly
  EXPECT_EQ(cp16.parameters, one.parameters);  // the weights are whole on every CP rank
  EXPECT_NEAR(cp16.saved_activation_bytes / one.saved_activation_bytes, 1.0 / 16, 1e-12);
  const double gathered_bytes = 131072.0 * 1 * (128 + 128) * 2;
  int gathers = 0, scatters = 0;
  for (const Op& op : cp16.ops) {
    if (op.comm != CommKind::kCpAllGather && op.comm != CommKind::kCpReduceScatter) continue;
    (op.comm == CommKind::kCpAllGather ? gathers : scatters) += 1;
    EXPECT_EQ(op.role, OpRole::kAttentionCp) << op.name;
    EXPECT_DOUBLE_EQ(op.message_bytes, gathered_bytes) << op.name;
    EXPECT_DOUBLE_EQ(op.inter_node_bytes, gathered_bytes * 15 / 16) << op.name;  // ring: 15 of the 16 shards
    EXPECT_DOUBLE_EQ(op.intra_node_bytes, 0.0) << op.name;
    EXPECT_EQ(op.group_ranks, 16) << op.name;
    EXPECT_EQ(op.group_ranks_per_node, 1) << op.name;
  }
  EXPECT_EQ(gathers, 2);   // forward, and again in backward
  EXPECT_EQ(scatters, 1);  // dK and dV
  for (const Op& op : one.ops) EXPECT_FALSE(op.comm == CommKind::kCpAllGather || op.comm == CommKind::kCpReduceScatter);
}

// FP8 Wgrad contracts over the tokens, so its operands are re-laid in tiles along the tokens (tech report
// 3.3.2, 3.5.2): every FP8 GEMM's backward carries a cast-transpose of dY (BF16 read once, FP8 with one FP32
// scale per 128 values written twice) and a re-quantization of the saved FP8 input (read and written once).
TEST(OpCatalog, Fp8WeightGradientsNeedTransposedQuantization) {
  const ModelConfig m = load_preset("deepseek-v3");  // FP8 GEMMs by default (PrecisionPolicy)
  const LayerOps ops = build_layer_ops(m, LayerKind::kDense, one_gpu());
  const double fp8 = 1.0 + 4.0 / 128.0, rows = 4096;
  // The dense MLP's down projection: [rows, intermediate] x [hidden, intermediate]^T.
  const double n = m.hidden_size, k = static_cast<double>(m.intermediate_size);
  const Op* cast = nullptr;
  const Op* requant = nullptr;
  int fp8_gemms = 0, requants = 0;
  for (const Op& op : ops.ops) {
    if (op.name.ends_with(".wgrad") && op.dtype == Dtype::kFp8) ++fp8_gemms;
    if (op.name.ends_with(".requant_x_t")) {
      ++requants;
      EXPECT_EQ(op.pass, Pass::kBackwardWeight) << op.name;
      EXPECT_EQ(op.kind, OpKind::kQuantize) << op.name;
    }
    if (op.name == "mlp.down.quant_dy") cast = &op;
    if (op.name == "mlp.down.requant_x_t") requant = &op;
  }
  EXPECT_GT(fp8_gemms, 0);
  EXPECT_EQ(requants, fp8_gemms);  // one per FP8 Wgrad
  ASSERT_NE(cast, nullptr);
  ASSERT_NE(requant, nullptr);
  EXPECT_DOUBLE_EQ(cast->hbm_bytes, rows * n * (2.0 + 2.0 * fp8));
  EXPECT_DOUBLE_EQ(requant->hbm_bytes, 2.0 * rows * k * fp8);
}

// Narayanan et al. 2021 (arXiv 2104.04473, section 5.1) count a GPT iteration with full recomputation as
// F = 96 B s l h^2 (1 + s / (6h) + V / (16 l h)): per layer 24 B s h^2 of GEMMs and 4 B s^2 h of attention (the
// full s x s scores and their product with V, as the unfused core computes them) per pass, four passes (forward,
// its recomputation, two backward GEMMs each); the logits 2 B s h V, three passes (the head is not recomputed).
// The catalog's GEMM ops (attention's batched ones included) for the same micro-batch must add up to exactly that:
// checked on every model shape of the table, at one GPU (TP 1) and at the micro-batch of 1.
TEST(OpCatalog, MatrixFlopsOfAMegatronGptIterationAreNarayanansFormula) {
  struct Row {
    int heads, hidden, layers;
  };
  for (const Row r : {Row{24, 2304, 24}, Row{32, 3072, 30}, Row{32, 4096, 36}, Row{48, 6144, 40}, Row{64, 8192, 48},
                      Row{80, 10240, 60}, Row{96, 12288, 80}, Row{128, 16384, 96}, Row{128, 20480, 105},
                      Row{160, 25600, 128}}) {
    const ModelConfig m = model_from_hf_json(
        fmt::format(R"({{"model_type": "gpt2", "hidden_size": {}, "num_hidden_layers": {}, "num_attention_heads": {},
                        "intermediate_size": {}, "vocab_size": 51200, "max_position_embeddings": 2048,
                        "hidden_act": "gelu", "attention_dropout": 0.1, "hidden_dropout": 0.1}})",
                    r.hidden, r.layers, r.heads, 4 * r.hidden),
        "row.json", "gpt");
    OpContext c;
    c.micro_batch_size = 1;
    c.sequence_length = 2048;
    c.recompute = Recompute::kFull;
    c.attention_kernel = AttentionKernel::kUnfused;
    double flops = 0;
    auto add = [&](const LayerOps& layer, double count) {
      for (const Op& op : layer.ops)
        if (op.kind == OpKind::kGemm || op.kind == OpKind::kGroupedGemm || op.kind == OpKind::kAttention)
          flops += count * op.flops;
    };
    add(build_layer_ops(m, LayerKind::kDense, c), r.layers);
    add(build_layer_ops(m, LayerKind::kEmbedding, c), 1);
    add(build_layer_ops(m, LayerKind::kOutputHead, c), 1);
    const double B = 1, s = 2048, l = r.layers, h = r.hidden, V = 51200;
    const double narayanan = 96 * B * s * l * h * h * (1 + s / (6 * h) + V / (16 * l * h));
    EXPECT_NEAR(flops / narayanan, 1.0, 1e-12) << r.hidden;  // sums of whole numbers: equal to rounding
  }
}

}  // namespace
}  // namespace trainsim::models
