// Op catalog. FLOPs: 2*m*n*k per GEMM, its Dgrad and Wgrad each as much again; causal attention
// 2*b*h*s(s+1)/2*(d_qk + d_v) forward and 2*b*h*s(s+1)/2*(3 d_qk + 2 d_v) backward (flash recomputes the scores). Bytes: each
// operand read once, each result written once. FP8 tensors carry one FP32 scale per 128 values. Shapes: a
// GEMM's forward (rows, n, k), Dgrad (rows, k, n), Wgrad (n, k, rows); attention at the heads one GPU holds.
// Saved activations: what each op's backward reads, as Korthikanti et al. 2022 (arXiv 2205.05198, section 4)
// count them (34sbh + 5as^2b bytes for a GPT layer with unfused attention), under each recompute mode
// (recompute.h) and with sequence parallelism sharding what it shards.
// NOTE: past 600 lines because every layer builder shares the file-local LayerBuilder (ops, saved bytes,
// recompute re-runs, checkpointing); the unfused and flash attention cores are the next to move out, with
// LayerBuilder in a header of its own (models/layer_norms.cc and friends already build their ops apart).
#include "models/op_catalog.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>

#include "core/error.h"
#include "models/attention_window.h"
#include "models/layer_norms.h"
#include "models/linear_biases.h"
#include "models/model_size.h"
#include "models/position_embeddings.h"
#include "models/qk_norm_ops.h"

namespace trainsim::models {
namespace {

constexpr double kFp8ScaleOverhead = 1.0 + 4.0 / 128.0;  // one FP32 scale per 1x128 tile
constexpr double kBf16 = 2.0, kFp32 = 4.0;
constexpr double kMaskByte = 1.0, kInt32 = 4.0;  // a dropout mask's byte per value (Korthikanti 4.1); an index

double element_bytes(Dtype dtype) {
  switch (dtype) {
    case Dtype::kFp8: return kFp8ScaleOverhead;
    case Dtype::kBf16: return kBf16;
    case Dtype::kFp32: return kFp32;
  }
  return kBf16;
}

// A kernel dimension from the catalog's arithmetic, which runs in doubles (heads / TP, routed rows x load
// factor): whole for every layout the scenario rules accept (TP divides the heads, EP the experts), rounded
// otherwise.
std::int64_t dimension(double value) { return static_cast<std::int64_t>(std::llround(value)); }

class LayerBuilder {
 public:
  LayerBuilder(const OpContext& context, LayerOps& out) : context_(context), out_(out) {}

  void add(Op op) { out_.ops.push_back(std::move(op)); }

  // Y[rows, n] = X[rows, k] W[n, k]^T, with its Dgrad and Wgrad. `save_input`: X kept for Wgrad (false when
  // its producer is recomputed); `recompute`: this GEMM re-runs in backward because its output is not kept.
  // `weight_sets`: one for a dense GEMM; a grouped GEMM's groups (local experts), the rows split evenly among them.
  void gemm(const std::string& name, OpRole role, double rows, double k, double n, Dtype dtype, bool save_input,
            bool recompute = false, OpKind kind = OpKind::kGemm, double weight_sets = 1) {
    const double a = operand_bytes(dtype), flops = 2.0 * rows * k * n;
    const double weights = weight_sets * n * k;
    const double forward_bytes = rows * k * a + weights * a + rows * n * kBf16;
    const std::int64_t groups = dimension(weight_sets), group_rows = dimension(rows / weight_sets);
    if (dtype == Dtype::kFp8) quantize(name + ".quant_x", role, rows * k, Pass::kForward);
    Op forward{name, kind, dtype, Pass::kForward, role, flops, forward_bytes};
    forward.shape = GemmDims{groups, group_rows, dimension(n), dimension(k)};
    add(forward);
    if (recompute) {
      Op again = forward;  // the forward shape, re-run
      again.pass = Pass::kBackwardInput;
      again.recomputed = true;
      add(std::move(again));
    }
    // NOTE: FP8 Wgrad contracts over the tokens, so both of its operands must be quantized in tiles along the
    // tokens, the transpose of the forward's 1x128 tiles along k (tech report 3.3.2 and 3.5.2): the cast of
    // dY writes both layouts (BF16 read once, FP8 written twice), and the saved FP8 X is read, dequantized,
    // transposed and re-quantized before Wgrad. Weights' 128x128 blocks serve Dgrad transposed as they are.
    if (dtype == Dtype::kFp8) cast_transpose(name + ".quant_dy", role, rows * n, Pass::kBackwardInput);
    // Dgrad: dX[rows, k] = dY[rows, n] W[n, k], n contracted.
    Op dgrad{name + ".dgrad", kind, dtype, Pass::kBackwardInput, role, flops, rows * n * a + weights * a + rows * k * kBf16};
    dgrad.shape = GemmDims{groups, group_rows, dimension(k), dimension(n)};
    add(std::move(dgrad));
    if (dtype == Dtype::kFp8)
      add({name + ".requant_x_t", OpKind::kQuantize, Dtype::kFp8, Pass::kBackwardWeight, role, 0,
           rows * k * wgrad_transpose_bytes_per_element(context_.precision.format)});
    // Wgrad: dW[n, k] = dY^T[n, rows] X[rows, k] per group, the tokens contracted.
    Op wgrad{name + ".wgrad", kind, dtype, Pass::kBackwardWeight, role, flops, rows * n * a + rows * k * a + weights * kFp32};
    wgrad.shape = GemmDims{groups, dimension(n), dimension(k), group_rows};
    add(std::move(wgrad));
    if (save_input) out_.saved_activation_bytes += rows * k * a;
  }

  void save(double bytes) { out_.saved_activation_bytes += bytes; }

  double saved_bytes() const { return out_.saved_activation_bytes; }

  // Checkpoints the ops added since `first` as one block (Megatron-Core's mlp, moe and shared_experts recompute
  // modules): its forward ops, collectives included, re-run in backward (replacing any re-run inside it), and of
  // what it kept only its input stays: `saved_before` (the layer's saved bytes at `first`) plus `input_bytes`.
  void checkpoint_since(std::size_t first, double saved_before, double input_bytes) {
    std::vector<Op>& ops = out_.ops;
    ops.erase(std::remove_if(ops.begin() + static_cast<std::ptrdiff_t>(first), ops.end(),
                             [](const Op& op) { return op.recomputed; }),
              ops.end());
    const std::size_t end = ops.size();
    for (std::size_t i = first; i < end; ++i) {
      if (ops[i].pass != Pass::kForward) continue;
      Op again = ops[i];
      again.pass = Pass::kBackwardInput;
      again.recomputed = true;
      ops.push_back(std::move(again));
    }
    out_.saved_activation_bytes = saved_before + input_bytes;
  }

  // The ops added since `first` (an index into the layer's ops) grow with the tokens routed to this GPU.
  void mark_routed_since(std::size_t first) {
    for (std::size_t i = first; i < out_.ops.size(); ++i) out_.ops[i].routed = true;
  }
  std::size_t op_count() const { return out_.ops.size(); }

  // The quantize ops' bytes follow the FP8 recipe (models/precision_policy.h): scales per 1x128 tile
  // (DeepSeek), per 1x32 block (MX) or one per tensor (Transformer Engine's delayed scaling).
  void quantize(const std::string& name, OpRole role, double elements, Pass pass) {
    add({name, OpKind::kQuantize, Dtype::kFp8, pass, role, 0, elements * cast_bytes_per_element(context_.precision.format)});
  }

  // A fused cast and transpose: BF16 read once, FP8 written in both layouts.
  void cast_transpose(const std::string& name, OpRole role, double elements, Pass pass) {
    add({name, OpKind::kQuantize, Dtype::kFp8, pass, role, 0,
         elements * cast_transpose_bytes_per_element(context_.precision.format)});
  }

  // An FP8 GEMM operand's bytes with its recipe's scales; BF16 and FP32 as element_bytes says.
  double operand_bytes(Dtype dtype) const {
    return dtype == Dtype::kFp8 ? fp8_bytes_per_element(context_.precision.format) : element_bytes(dtype);
  }

  // The model's norm (RMSNorm or LayerNorm: models/layer_norms.h) over [rows, dim]; saves its input and the
  // per-row statistics.
  void norm(const std::string& name, OpRole role, double rows, double dim, bool recompute) {
    const NormCost cost = norm_cost(norm_kind, rows, dim);
    add({name, OpKind::kNorm, Dtype::kBf16, Pass::kForward, role, cost.forward_flops, cost.forward_bytes});
    if (recompute) add({name, OpKind::kNorm, Dtype::kBf16, Pass::kBackwardInput, role, cost.forward_flops, cost.forward_bytes, true});
    add({name + ".bwd", OpKind::kNorm, Dtype::kFp32, Pass::kBackwardInput, role, cost.backward_flops, cost.backward_bytes});
    out_.saved_activation_bytes += cost.saved_bytes;
  }

  // Ops built outside this file (models/qk_norm_ops.h), with what they keep for backward.
  void add_all(const NormOps& ops) {
    for (const Op& op : ops.ops) add(op);
    out_.saved_activation_bytes += ops.saved_bytes;
  }

  // An element-wise op reading `in` and writing `out` values per row; backward reads both and writes `in`.
  void elementwise(const std::string& name, OpRole role, double rows, double in, double out, double saved_bytes,
                   bool recompute = false) {
    const double forward_bytes = rows * (in + out) * kBf16;
    add({name, OpKind::kElementwise, Dtype::kBf16, Pass::kForward, role, 4.0 * rows * out, forward_bytes});
    if (recompute) add({name, OpKind::kElementwise, Dtype::kBf16, Pass::kBackwardInput, role, 4.0 * rows * out, forward_bytes, true});
    add({name + ".bwd", OpKind::kElementwise, Dtype::kBf16, Pass::kBackwardInput, role, 8.0 * rows * out,
         rows * (2.0 * in + out) * kBf16});
    out_.saved_activation_bytes += saved_bytes;  // the input, needed whether or not the output is recomputed
  }

  // Dropout over `elements` BF16 values: forward reads them and writes them and a 1-byte mask, backward reads the
  // gradient and the mask and writes the gradient. The mask is kept (Korthikanti et al. 2022, 4.1: one byte per
  // value); `recompute`: the dropout re-runs in backward from the saved RNG state and keeps no mask.
  void dropout(const std::string& name, OpRole role, double elements, bool recompute = false) {
    const double forward_bytes = elements * (2 * kBf16 + kMaskByte);
    add({name, OpKind::kElementwise, Dtype::kBf16, Pass::kForward, role, elements, forward_bytes});
    if (recompute) add({name, OpKind::kElementwise, Dtype::kBf16, Pass::kBackwardInput, role, elements, forward_bytes, true});
    add({name + ".bwd", OpKind::kElementwise, Dtype::kBf16, Pass::kBackwardInput, role, elements, forward_bytes});
    if (!recompute) out_.saved_activation_bytes += elements * kMaskByte;
  }

  Op& communication(const std::string& name, OpRole role, Pass pass, CommKind comm, double intra, double inter) {
    Op op{name, OpKind::kCommunication, Dtype::kBf16, pass, role};
    op.comm = comm;
    op.intra_node_bytes = intra;
    op.inter_node_bytes = inter;
    add(std::move(op));
    return out_.ops.back();
  }

  const OpContext& context() const { return context_; }

  NormKind norm_kind = NormKind::kRms;  // the model's: LayerNorm for GPT-2/3

 private:
  const OpContext& context_;
  LayerOps& out_;
};

// TP collectives of one sub-block (attention or MLP) on [rows, hidden] BF16 activations: forward all-reduce
// (or reduce-scatter after and all-gather before, with sequence parallelism), the mirror in backward.
void tp_collectives(LayerBuilder& b, const std::string& block, OpRole role, double rows, double hidden) {
  const OpContext& c = b.context();
  if (c.tp <= 1) return;
  const double shard = rows * hidden * kBf16 * (c.tp - 1) / c.tp;  // ring: each GPU sends (t-1)/t of the tensor
  // NOTE: a TP group wider than a node runs its rings across nodes; the NCCL collective behind the op prices
  // the slower of its legs (hardware/nccl_collective.h). The bytes below say which link its volume crosses.
  const bool crosses_nodes = c.tp > c.gpus_per_node;
  const double tensor_bytes = rows * hidden * kBf16;  // the collective's message (nccl-tests' S)
  auto collective = [&](const std::string& name, Pass pass, CommKind kind, double bytes) {
    Op& op = b.communication(name, role, pass, kind, crosses_nodes ? 0.0 : bytes, crosses_nodes ? bytes : 0.0);
    op.message_bytes = tensor_bytes;
    op.group_ranks = c.tp;
    op.group_ranks_per_node = crosses_nodes ? c.gpus_per_node : c.tp;
  };
  if (c.sequence_parallel) {
    collective(block + ".tp_all_gather", Pass::kForward, CommKind::kTpAllGather, shard);
    collective(block + ".tp_reduce_scatter", Pass::kForward, CommKind::kTpReduceScatter, shard);
    collective(block + ".tp_all_gather.bwd", Pass::kBackwardInput, CommKind::kTpAllGather, shard);
    collective(block + ".tp_reduce_scatter.bwd", Pass::kBackwardInput, CommKind::kTpReduceScatter, shard);
  } else {
    collective(block + ".tp_all_reduce", Pass::kForward, CommKind::kTpAllReduce, 2 * shard);
    collective(block + ".tp_all_reduce.bwd", Pass::kBackwardInput, CommKind::kTpAllReduce, 2 * shard);
  }
}

Dtype gemm_dtype(const OpContext& c) { return c.precision.fp8_gemms ? Dtype::kFp8 : Dtype::kBf16; }

bool reruns(const OpContext& c, RecomputeModule module) {
  return recompute_modules(c.recompute, c.recompute_modules).has(module);
}

// Rows of a tensor that sequence parallelism splits along the sequence over TP (the norms, the residual
// dropouts, the layer input) and every TP rank holds whole without it (Korthikanti et al. 2022, 4.2.2).
double sequence_rows(const OpContext& c) { return c.sequence_parallel ? c.tokens() / c.tp : c.tokens(); }

// A GEMM's input that sequence parallelism all-gathers first (a norm's output), kept for its Wgrad: Megatron keeps
// the sequence shard and gathers it again in backward (Korthikanti 4.2.2), so it is booked at the shard's rows.
void save_gathered_input(LayerBuilder& b, double k, Dtype dtype) {
  b.save(sequence_rows(b.context()) * k * element_bytes(dtype));
}

// Multi-head latent attention (DeepSeek-V2/V3): down-projections replicated over TP, up-projections and
// the output projection split by heads.
double mla_attention(const ModelConfig& m, LayerBuilder& b) {
  const OpContext& c = b.context();
  const double rows = c.tokens(), h = m.hidden_size, heads = static_cast<double>(m.num_heads) / c.tp;
  const MlaDims& d = m.mla;
  const Dtype g = gemm_dtype(c);
  const bool recompute_norms = reruns(c, RecomputeModule::kLayerNorm);
  const bool recompute_up = reruns(c, RecomputeModule::kMlaUpProj);
  const OpRole role = OpRole::kAttention;
  double params = norm_parameters(m, h);  // attention norm
  b.norm("attn.norm", role, sequence_rows(c), h, recompute_norms);
  // The normed input feeds both down-projections (q and kv): one tensor, kept once.
  if (!recompute_norms) save_gathered_input(b, h, g);
  if (d.q_lora_rank > 0) {
    b.gemm("attn.q_down", role, rows, h, d.q_lora_rank, g, false);
    b.norm("attn.q_norm", role, rows, d.q_lora_rank, recompute_norms);
    b.gemm("attn.q_up", role, rows, d.q_lora_rank, heads * d.qk_head_dim(), g, !recompute_norms, recompute_up);
    params += h * d.q_lora_rank + d.q_lora_rank + d.q_lora_rank * heads * d.qk_head_dim();
  } else {
    b.gemm("attn.q_proj", role, rows, h, heads * d.qk_head_dim(), g, false);
    params += h * heads * d.qk_head_dim();
  }
  b.gemm("attn.kv_down", role, rows, h, d.kv_lora_rank + d.qk_rope_head_dim, g, false);
  b.norm("attn.kv_norm", role, rows, d.kv_lora_rank, recompute_norms);
  b.gemm("attn.kv_up", role, rows, d.kv_lora_rank, heads * (d.qk_nope_head_dim + d.v_head_dim), g, !recompute_norms,
         recompute_up);
  params += h * (d.kv_lora_rank + d.qk_rope_head_dim) + d.kv_lora_rank +
            d.kv_lora_rank * heads * (d.qk_nope_head_dim + d.v_head_dim);
  b.elementwise("attn.rope", role, rows, heads * d.qk_rope_head_dim + d.qk_rope_head_dim,
                heads * d.qk_rope_head_dim + d.qk_rope_head_dim, 0);
  return params;
}

double gqa_attention(const ModelConfig& m, LayerBuilder& b) {
  const OpContext& c = b.context();
  const double rows = c.tokens(), h = m.hidden_size;
  const double q = static_cast<double>(m.num_heads) / c.tp * m.head_dim;
  const double kv = static_cast<double>(m.num_kv_heads) / c.tp * m.head_dim;
  const bool recompute_norms = reruns(c, RecomputeModule::kLayerNorm);
  b.norm("attn.norm", OpRole::kAttention, sequence_rows(c), h, recompute_norms);
  b.gemm("attn.qkv_proj", OpRole::kAttention, rows, h, q + 2 * kv, gemm_dtype(c), false);
  if (!recompute_norms) save_gathered_input(b, h, gemm_dtype(c));
  if (m.qkv_bias) b.add(bias_gradient_op("attn.qkv_proj", OpRole::kAttention, rows, q + 2 * kv));
  b.add_all(qk_norm_ops(m.qk_norm, rows, q, kv, m.head_dim));
  b.elementwise("attn.rope", OpRole::kAttention, rows, q + kv, q + kv, 0);
  // Sinks: one logit per head joins each softmax denominator, a term per (query, head) beside the head_dim
  // products of every key: not priced (negligible).
  return norm_parameters(m, h) + h * (q + 2 * kv) +
         attention_extra_parameters(m, q, kv, static_cast<double>(m.num_heads) / c.tp);
}

// Megatron-LM 2021's unfused attention core, Korthikanti's baseline, per sequence and head on this GPU: S = QK^T
// as a batched GEMM writing the s x s scores, a fused scale-mask-softmax, the attention dropout, and O = P V as a
// batched GEMM; the causal mask is applied to the whole s x s scores, so both GEMMs do all s^2 pairs. Kept: the
// softmax output (2 bytes a score), with dropout its mask (1 byte) and output (2 bytes): 5as^2b (Korthikanti
// 4.1); with `rerun` (selective recompute, 4.2) none of them, the four forward ops re-run in backward instead.
void unfused_attention_core(const ModelConfig& m, LayerBuilder& b, double heads, double d_qk, double d_v, bool rerun) {
  const OpContext& c = b.context();
  const double s = c.sequence_length, batch = c.micro_batch_size * heads;
  const double scores = batch * s * s;  // one s x s tensor over the sequences and heads
  const double q_bytes = batch * s * d_qk * kBf16, v_bytes = batch * s * d_v * kBf16;  // Q or K; V or O
  const std::int64_t groups = dimension(batch), seq = c.sequence_length, dq = dimension(d_qk), dv = dimension(d_v);
  const bool dropout = m.attention_dropout > 0;
  const OpRole role = OpRole::kAttention;
  auto gemm = [&](std::string name, Pass pass, double flops, double bytes, GemmDims shape) {
    Op op{std::move(name), OpKind::kGemm, Dtype::kBf16, pass, role, flops, bytes};
    op.shape = shape;
    return op;
  };
  std::vector<Op> forward{
      gemm("attn.scores", Pass::kForward, 2 * scores * d_qk, 2 * q_bytes + scores * kBf16, GemmDims{groups, seq, seq, dq}),
      {"attn.softmax", OpKind::kElementwise, Dtype::kBf16, Pass::kForward, role, 4 * scores, 2 * scores * kBf16}};
  if (dropout)
    forward.push_back({"attn.dropout", OpKind::kElementwise, Dtype::kBf16, Pass::kForward, role, scores,
                       scores * (2 * kBf16 + kMaskByte)});
  forward.push_back(gemm("attn.context", Pass::kForward, 2 * scores * d_v, scores * kBf16 + 2 * v_bytes,
                         GemmDims{groups, seq, dv, seq}));
  for (const Op& op : forward) b.add(op);
  if (rerun)
    for (Op op : forward) {
      op.pass = Pass::kBackwardInput;
      op.recomputed = true;
      b.add(std::move(op));
    }
  // Backward: dP = dO V^T and dV = P^T dO, the dropout's and the softmax's gradients, dQ = dS K and dK = dS^T Q.
  b.add(gemm("attn.context.dgrad", Pass::kBackwardInput, 2 * scores * d_v, 2 * v_bytes + scores * kBf16,
             GemmDims{groups, seq, seq, dv}));
  b.add(gemm("attn.context.dgrad_v", Pass::kBackwardInput, 2 * scores * d_v, scores * kBf16 + 2 * v_bytes,
             GemmDims{groups, seq, dv, seq}));
  if (dropout)
    b.add({"attn.dropout.bwd", OpKind::kElementwise, Dtype::kBf16, Pass::kBackwardInput, role, scores,
           scores * (2 * kBf16 + kMaskByte)});
  b.add({"attn.softmax.bwd", OpKind::kElementwise, Dtype::kBf16, Pass::kBackwardInput, role, 4 * scores,
         3 * scores * kBf16});
  b.add(gemm("attn.scores.dgrad", Pass::kBackwardInput, 2 * scores * d_qk, scores * kBf16 + 2 * q_bytes,
             GemmDims{groups, seq, dq, seq}));
  b.add(gemm("attn.scores.dgrad_k", Pass::kBackwardInput, 2 * scores * d_qk, scores * kBf16 + 2 * q_bytes,
             GemmDims{groups, seq, dq, seq}));
  // The softmax output (its backward's input, and x V's input when there is no dropout), the mask, x V's input.
  if (!rerun) b.save(scores * kBf16 + (dropout ? scores * (kMaskByte + kBf16) : 0.0));
}

// The flash attention core: one kernel each way, keeping only O and the log-sum-exp (its backward recomputes the
// scores; attention dropout, if any, is regenerated from the RNG state, no mask kept). With `rerun` (selective
// recompute) the forward kernel re-runs in backward and the log-sum-exp is not kept: O stays, as o_proj's input.
void flash_attention_core(const ModelConfig& m, LayerBuilder& b, double heads, double kv_heads, double d_qk, double d_v,
                          bool rerun) {
  const OpContext& c = b.context();
  const double s = c.sequence_length, rows = c.tokens();
  // Causal pairs, fewer under a sliding window: the mean over the layers (models/attention_window.h).
  const std::int64_t window = dimension(effective_window(m, s));
  const double causal_pairs = c.micro_batch_size * attended_pairs(s, static_cast<double>(window));
  const double forward_flops = 2.0 * heads * causal_pairs * (d_qk + d_v);
  // Flash backward recomputes S = QK^T and runs dP = dO V^T, dV = P^T dO, dK = dS^T Q, dQ = dS K: three GEMMs
  // over the q/k head dim and two over the v head dim per pair (2.5x forward when the two dims are equal).
  const double backward_flops = 2.0 * heads * causal_pairs * (3 * d_qk + 2 * d_v);
  const double qkvo_bytes = rows * (heads * d_qk + kv_heads * (d_qk + d_v) + heads * d_v) * kBf16;
  const double lse_bytes = rows * heads * kFp32;
  const OpRole role = OpRole::kAttention;
  const AttentionDims shape{c.micro_batch_size, c.sequence_length, dimension(heads), dimension(d_qk), dimension(d_v), true, window};
  Op forward{"attn.core", OpKind::kAttention, Dtype::kBf16, Pass::kForward, role, forward_flops, qkvo_bytes + lse_bytes};
  forward.shape = shape;
  b.add(forward);
  if (rerun) {
    forward.pass = Pass::kBackwardInput;
    forward.recomputed = true;
    b.add(std::move(forward));
  }
  Op backward{"attn.core.bwd", OpKind::kAttention, Dtype::kBf16, Pass::kBackwardInput, role, backward_flops,
              2.0 * qkvo_bytes + lse_bytes};
  backward.shape = shape;
  b.add(std::move(backward));
  if (!rerun) b.save(lse_bytes);
}

// The attention core (flash or unfused, OpContext::attention_kernel) and the output projection, shared by both
// attention kinds.
double attention_core_and_output(const ModelConfig& m, LayerBuilder& b) {
  const OpContext& c = b.context();
  const bool mla = m.attention == AttentionKind::kMultiHeadLatent;
  const double heads = static_cast<double>(m.num_heads) / c.tp;
  const double d_qk = mla ? m.mla.qk_head_dim() : m.head_dim, d_v = mla ? m.mla.v_head_dim : m.head_dim;
  const double kv_heads = mla ? heads : static_cast<double>(m.num_kv_heads) / c.tp;
  const double rows = c.tokens();
  const bool rerun_core = reruns(c, RecomputeModule::kCoreAttn);
  if (c.attention_kernel == AttentionKernel::kUnfused) {
    unfused_attention_core(m, b, heads, d_qk, d_v, rerun_core);
  } else {
    flash_attention_core(m, b, heads, kv_heads, d_qk, d_v, rerun_core);
  }
  // Kept whatever the kernel: Q, K, V (the core's inputs, also when it re-runs) unless the MLA up-projections
  // that make them re-run; O, the core's output and o_proj's Wgrad input, kept once. FP8 training keeps O in
  // E5M6, 12 bits (DeepSeek-V3 tech report 3.3.2-3.3.3); BF16 otherwise.
  const bool keep_qkv = !(mla && reruns(c, RecomputeModule::kMlaUpProj));
  const double o_bytes = c.precision.fp8_gemms ? 1.5 : kBf16;
  b.save(rows * heads * d_v * o_bytes + (keep_qkv ? rows * (heads * d_qk + kv_heads * (d_qk + d_v)) * kBf16 : 0.0));
  b.gemm("attn.o_proj", OpRole::kAttention, rows, heads * d_v, m.hidden_size, gemm_dtype(c), false);
  if (m.attention_output_bias) b.add(bias_gradient_op("attn.o_proj", OpRole::kAttention, rows, m.hidden_size));
  tp_collectives(b, "attn", OpRole::kAttentionTp, rows, m.hidden_size);
  // The residual dropout after the output projection (Megatron's bias-dropout-add), on the reduced output.
  if (m.hidden_dropout > 0) b.dropout("attn.residual_dropout", OpRole::kAttention, sequence_rows(c) * m.hidden_size);
  return heads * d_v * m.hidden_size;
}

// MLP of width `intermediate` on `rows` rows. Gated (SwiGLU, GeGLU): the fused gate/up GEMM, the activation
// times the up half, the down GEMM. Plain (GPT-2's GELU, ReLU): the up GEMM, the activation, the down GEMM.
// `save_input`: false when the input's producer (a norm) is recomputed in backward, or the caller keeps it.
// `act_module`: the recompute module that re-runs the activation (mlp_act, or moe_act for routed experts).
void mlp_block(MlpKind mlp, const std::string& name, OpRole role, LayerBuilder& b, double rows, double hidden,
               double intermediate, double weight_sets, OpKind kind, bool save_input, RecomputeModule act_module) {
  const OpContext& c = b.context();
  // Re-run, the activation keeps its input and not its output, the down-projection's input (DeepSeek-V3 caches
  // the SwiGLU input and recomputes its output in backward, tech report 3.3.3).
  const bool recompute_act = reruns(c, act_module);
  const double up_width = is_gated(mlp) ? 2 * intermediate : intermediate;
  b.gemm(name + (is_gated(mlp) ? ".gate_up" : ".up"), role, rows, hidden, up_width, gemm_dtype(c), save_input, false,
         kind, weight_sets);
  // DeepSeek-V3 caches the SwiGLU input in FP8 (tech report 3.3.2); BF16 otherwise.
  const double act_input_bytes = rows * up_width * element_bytes(gemm_dtype(c));
  b.elementwise(name + "." + std::string(mlp_activation_name(mlp)), role, rows, up_width, intermediate,
                act_input_bytes, recompute_act);
  b.gemm(name + ".down", role, rows, intermediate, hidden, gemm_dtype(c), !recompute_act, false, kind,
         weight_sets);
}

// The bias gradients of an MLP block's matrices (mlp_bias: GPT-2/3, GPT-OSS's experts): up (or gate and up) and down.
void mlp_bias_gradients(const ModelConfig& m, const std::string& name, OpRole role, LayerBuilder& b, double rows,
                        double intermediate, double weight_sets) {
  if (!m.mlp_bias) return;
  const double up_width = is_gated(m.mlp) ? 2 * intermediate : intermediate;
  b.add(bias_gradient_op(name + (is_gated(m.mlp) ? ".gate_up" : ".up"), role, rows, up_width, weight_sets));
  b.add(bias_gradient_op(name + ".down", role, rows, m.hidden_size, weight_sets));
}

double dense_mlp(const ModelConfig& m, LayerBuilder& b) {
  const OpContext& c = b.context();
  const double h = m.hidden_size, inter = static_cast<double>(m.intermediate_size) / c.tp;
  const bool recompute_norms = reruns(c, RecomputeModule::kLayerNorm);
  b.norm("mlp.norm", OpRole::kMlp, sequence_rows(c), h, recompute_norms);
  const std::size_t first = b.op_count();
  const double saved_before = b.saved_bytes();
  if (!recompute_norms) save_gathered_input(b, h, gemm_dtype(c));
  mlp_block(m.mlp, "mlp", OpRole::kMlp, b, c.tokens(), h, inter, 1, OpKind::kGemm, false, RecomputeModule::kMlpAct);
  mlp_bias_gradients(m, "mlp", OpRole::kMlp, b, c.tokens(), inter, 1);
  tp_collectives(b, "mlp", OpRole::kMlpTp, c.tokens(), h);
  // Checkpointed, the MLP keeps its BF16 input (the norm's output, a sequence shard with SP) unless that re-runs too.
  if (reruns(c, RecomputeModule::kMlp))
    b.checkpoint_since(first, saved_before, recompute_norms ? 0.0 : sequence_rows(c) * h * kBf16);
  if (m.hidden_dropout > 0) b.dropout("mlp.residual_dropout", OpRole::kMlp, sequence_rows(c) * h);
  return norm_parameters(m, h) + mlp_block_parameters(m, inter);
}

// DeepSeekMoE: router, dispatch, routed experts (grouped GEMMs), shared experts, combine. Kept for backward, besides
// the norm's and the GEMMs' inputs: the router's scores (its softmax or sigmoid backward), each token's top-k
// weights and expert indices (the indices undo the permutation), and at the routed rows (tokens x top-k at the
// balanced share, times expert_load_factor) each received row's place and gate weight, the grouped GEMMs' inputs
// and the activation's input. The gate weights travel with the rows and scale the activation's output (Megatron-
// Core's weighted SwiGLU on permuted probabilities), so a weight's gradient is read off the activation's backward
// and the combine is a plain sum: the k expert outputs per token are not kept (an unpermute that applied the
// weights itself would keep them, 2 k h bytes a token: 0.47 GB per 4096-token micro-batch of DeepSeek-V3).
void moe_mlp(const ModelConfig& m, LayerBuilder& b, double& params, double& expert_params) {
  const OpContext& c = b.context();
  const double rows = c.tokens(), h = m.hidden_size, e = m.moe.routed_experts, k = m.moe.experts_per_token;
  const double inter = m.moe.expert_intermediate_size;
  const bool recompute_norms = reruns(c, RecomputeModule::kLayerNorm);
  b.norm("moe.norm", OpRole::kRouter, sequence_rows(c), h, recompute_norms);
  const std::size_t first = b.op_count();
  const double saved_before = b.saved_bytes();
  // Gating stays in higher precision (tech report 3.3.1): a BF16 GEMM with FP32 scores.
  b.gemm("moe.gate", OpRole::kRouter, rows, h, e, Dtype::kBf16, false);
  if (!recompute_norms) save_gathered_input(b, h, Dtype::kBf16);
  if (m.mlp_bias) b.add(bias_gradient_op("moe.gate", OpRole::kRouter, rows, e));  // GPT-OSS's router bias
  b.add({"moe.topk", OpKind::kRouter, Dtype::kFp32, Pass::kForward, OpRole::kRouter, 4.0 * rows * e, rows * e * kFp32});
  b.add({"moe.topk.bwd", OpKind::kRouter, Dtype::kFp32, Pass::kBackwardInput, OpRole::kRouter, 4.0 * rows * e, 2.0 * rows * e * kFp32});
  b.save(rows * e * kFp32 + rows * k * (kFp32 + kInt32));  // scores; top-k weights and indices

  const EpTrafficPerToken traffic = expected_ep_traffic(m, {c.ep, c.gpus_per_node});
  const double dispatch_bytes = c.precision.fp8_dispatch ? h * kFp8ScaleOverhead : h * kBf16;
  const double combine_bytes = h * kBf16;
  // Forward: dispatch (FP8) then combine (BF16). Backward: the combine's gradient goes out like a dispatch,
  // in FP8 (tech report 3.3.3: the activation gradients before the MoE down-projections are quantized the
  // same way), and the dispatch's gradient comes back like a combine in BF16 (both combines stay BF16).
  b.communication("moe.dispatch", OpRole::kDispatch, Pass::kForward, CommKind::kEpDispatch, rows * traffic.nvlink_copies * dispatch_bytes,
                  rows * traffic.remote_nodes * dispatch_bytes);
  b.communication("moe.combine", OpRole::kCombine, Pass::kForward, CommKind::kEpCombine, rows * traffic.nvlink_copies * combine_bytes,
                  rows * traffic.remote_nodes * combine_bytes);
  b.communication("moe.combine.bwd", OpRole::kCombine, Pass::kBackwardInput, CommKind::kEpDispatch,
                  rows * traffic.nvlink_copies * dispatch_bytes, rows * traffic.remote_nodes * dispatch_bytes);
  b.communication("moe.dispatch.bwd", OpRole::kDispatch, Pass::kBackwardInput, CommKind::kEpCombine,
                  rows * traffic.nvlink_copies * combine_bytes, rows * traffic.remote_nodes * combine_bytes);

  const double local_experts = e / c.ep;
  const double routed_rows = rows * k * c.expert_load_factor;  // balanced: every GPU receives rows*k
  const std::size_t first_routed = b.op_count();
  b.add({"moe.permute", OpKind::kPermute, Dtype::kBf16, Pass::kForward, OpRole::kExperts, 0, 2.0 * routed_rows * h * kBf16});
  b.add({"moe.permute.bwd", OpKind::kPermute, Dtype::kBf16, Pass::kBackwardInput, OpRole::kExperts, 0, 2.0 * routed_rows * h * kBf16});
  b.save(routed_rows * (kInt32 + kFp32));  // where each received row goes back to; its gate weight
  // The dispatched rows (FP8 with DeepSeek's dispatch) are the grouped GEMM's input, kept by it.
  mlp_block(m.mlp, "moe.experts", OpRole::kExperts, b, routed_rows, h, inter, local_experts, OpKind::kGroupedGemm,
            true, RecomputeModule::kMoeAct);
  mlp_bias_gradients(m, "moe.experts", OpRole::kExperts, b, routed_rows, inter, local_experts);
  b.mark_routed_since(first_routed);
  b.add({"moe.combine_sum", OpKind::kPermute, Dtype::kBf16, Pass::kForward, OpRole::kCombineSum, 2.0 * rows * k * h,
         (rows * k + rows) * h * kBf16});
  b.add({"moe.combine_sum.bwd", OpKind::kPermute, Dtype::kBf16, Pass::kBackwardInput, OpRole::kCombineSum, 2.0 * rows * k * h,
         (rows * k + rows) * h * kBf16});
  if (m.moe.shared_experts > 0) {
    // DeepSeek: n_shared_experts routed-expert-wide experts run as one; Qwen2-MoE: one of its own width, whose
    // sigmoid gate (h -> 1, Qwen2MoeSparseMoeBlock) counts as parameters only.
    const bool own_width = m.moe.shared_intermediate_size > 0;
    const double shared_inter =
        (own_width ? m.moe.shared_intermediate_size : static_cast<double>(m.moe.shared_experts) * inter) / c.tp;
    // Its input is the gate's, already kept in BF16; an FP8 GEMM keeps its quantized copy besides.
    const bool own_copy = gemm_dtype(c) == Dtype::kFp8 && !recompute_norms;
    const std::size_t first_shared = b.op_count();
    const double saved_before_shared = b.saved_bytes();
    mlp_block(m.mlp, "moe.shared", OpRole::kExperts, b, rows, h, shared_inter, 1, OpKind::kGemm, false,
              RecomputeModule::kMlpAct);
    mlp_bias_gradients(m, "moe.shared", OpRole::kExperts, b, rows, shared_inter, 1);
    if (own_copy) save_gathered_input(b, h, Dtype::kFp8);
    if (reruns(c, RecomputeModule::kSharedExperts)) b.checkpoint_since(first_shared, saved_before_shared, 0.0);
    params += (own_width ? mlp_block_parameters(m, shared_inter) + h
                         : m.moe.shared_experts * mlp_block_parameters(m, inter / c.tp));
  }
  tp_collectives(b, "moe", OpRole::kMlpTp, rows, h);
  // Checkpointed, the block keeps its BF16 input (the norm's output) unless that re-runs too; its all-to-alls re-run.
  if (reruns(c, RecomputeModule::kMoe))
    b.checkpoint_since(first, saved_before, recompute_norms ? 0.0 : sequence_rows(c) * h * kBf16);
  if (m.hidden_dropout > 0) b.dropout("moe.residual_dropout", OpRole::kCombineSum, sequence_rows(c) * h);
  // Norm, gate, DeepSeek-V3's selection bias or GPT-OSS's router bias.
  params += norm_parameters(m, h) + h * e + (m.moe.scoring == RouterScoring::kSigmoid || m.mlp_bias ? e : 0.0);
  expert_params += local_experts * mlp_block_parameters(m, inter);
}

void build_transformer_layer(const ModelConfig& m, bool moe, LayerBuilder& b, LayerOps& out) {
  double params = m.attention == AttentionKind::kMultiHeadLatent ? mla_attention(m, b) : gqa_attention(m, b);
  params += attention_core_and_output(m, b);
  if (moe) {
    moe_mlp(m, b, params, out.expert_parameters);
  } else {
    params += dense_mlp(m, b);
  }
  out.parameters += params;
}

void build_output_head(const ModelConfig& m, LayerBuilder& b, LayerOps& out, bool count_weights) {
  const OpContext& c = b.context();
  const double rows = c.tokens(), h = m.hidden_size, vocab = static_cast<double>(m.vocab_size) / c.tp;
  b.norm("head.norm", OpRole::kHead, rows, h, false);
  // The output head stays BF16 (tech report 3.3.1); the loss reads the logits and writes their gradient.
  b.gemm("head.proj", OpRole::kHead, rows, h, vocab, Dtype::kBf16, true);
  b.elementwise("head.cross_entropy", OpRole::kHead, rows, vocab, 1, rows * vocab * kBf16);
  out.parameters += norm_parameters(m, h) + (count_weights ? h * vocab : 0.0);
}

}  // namespace

double LayerOps::total_flops(Pass pass) const {
  double sum = 0;
  for (const Op& op : ops)
    if (op.pass == pass && !op.is_communication()) sum += op.flops;
  return sum;
}

double LayerOps::compute_flops() const {
  return total_flops(Pass::kForward) + total_flops(Pass::kBackwardInput) + total_flops(Pass::kBackwardWeight);
}

LayerOps build_layer_ops(const ModelConfig& model, LayerKind kind, const OpContext& context) {
  TS_CHECK(context.tp >= 1 && context.ep >= 1 && context.micro_batch_size >= 1 && context.sequence_length >= 1);
  LayerOps out;
  out.kind = kind;
  LayerBuilder b(context, out);
  b.norm_kind = model.layer_norm ? NormKind::kLayer : NormKind::kRms;
  const double rows = context.tokens(), h = model.hidden_size;
  switch (kind) {
    case LayerKind::kDense: build_transformer_layer(model, false, b, out); break;
    case LayerKind::kMoe: build_transformer_layer(model, model.is_moe(), b, out); break;
    case LayerKind::kEmbedding:
      b.add({"embed.lookup", OpKind::kEmbedding, Dtype::kBf16, Pass::kForward, OpRole::kPre, 0, 2.0 * rows * h * kBf16});
      b.add({"embed.scatter_add", OpKind::kEmbedding, Dtype::kFp32, Pass::kBackwardWeight, OpRole::kPre, rows * h,
             rows * h * (kBf16 + 2 * kFp32)});
      for (const Op& op : learned_position_ops(rows, h, model.learned_positions)) b.add(op);
      // The token table split over TP, and GPT-2's learned position table (wpe), replicated.
      out.parameters = static_cast<double>(model.vocab_size) / context.tp * h + model.learned_positions * h;
      // GPT-2's embd_pdrop after the lookup (Korthikanti 4.3: the embeddings' dropout mask, sbhp/t with SP).
      if (model.embedding_dropout > 0) b.dropout("embed.dropout", OpRole::kPre, sequence_rows(context) * h);
      break;
    case LayerKind::kOutputHead: build_output_head(model, b, out, !model.tie_word_embeddings); break;
    case LayerKind::kMtp:
      // One MTP module (tech report 2.2): the shared embedding's lookup of the tokens one step ahead (and its
      // gradient's scatter-add into the shared table), norms of the embedding and hidden state, a projection of
      // their concatenation, one transformer layer, and the shared output head (its weights counted once, there).
      // NOTE: the projection stays BF16: the tech report's list of components kept out of FP8 (3.3.1) does
      // not name it, and public checkpoints differ on whether it carries FP8 scales; an assumption.
      b.add({"mtp.embed_lookup", OpKind::kEmbedding, Dtype::kBf16, Pass::kForward, OpRole::kPre, 0, 2.0 * rows * h * kBf16});
      b.add({"mtp.embed_scatter_add", OpKind::kEmbedding, Dtype::kFp32, Pass::kBackwardWeight, OpRole::kPre, rows * h,
             rows * h * (kBf16 + 2 * kFp32)});
      b.norm("mtp.enorm", OpRole::kPre, rows, h, false);
      b.norm("mtp.hnorm", OpRole::kPre, rows, h, false);
      b.gemm("mtp.eh_proj", OpRole::kPre, rows, 2 * h, h, Dtype::kBf16, true);
      out.parameters += 2 * h + 2 * h * h;
      build_transformer_layer(model, model.is_moe(), b, out);
      build_output_head(model, b, out, false);
      break;
  }
  if (context.recompute == Recompute::kFull && kind != LayerKind::kEmbedding) {
    // Full recomputation keeps only the layer input (a sequence shard with SP: Korthikanti 4.3, 2sbh/t) and
    // re-runs the whole forward inside backward.
    std::vector<Op> rerun;
    for (const Op& op : out.ops) {
      if (op.pass != Pass::kForward || op.recomputed) continue;
      Op again = op;
      again.pass = Pass::kBackwardInput;
      again.recomputed = true;
      rerun.push_back(std::move(again));
    }
    out.ops.insert(out.ops.end(), rerun.begin(), rerun.end());
    out.saved_activation_bytes = sequence_rows(context) * h * kBf16;
  }
  return out;
}

std::string_view layer_kind_name(LayerKind kind) {
  switch (kind) {
    case LayerKind::kDense: return "dense";
    case LayerKind::kMoe: return "moe";
    case LayerKind::kEmbedding: return "embedding";
    case LayerKind::kOutputHead: return "output_head";
    case LayerKind::kMtp: return "mtp";
  }
  return "unknown";
}

}  // namespace trainsim::models
