// Op catalog. FLOPs: 2*m*n*k per GEMM, its Dgrad and Wgrad each as much again; causal attention
// 2*b*h*s(s+1)/2*(d_qk + d_v) forward and 2*b*h*s(s+1)/2*(3 d_qk + 2 d_v) backward (flash recomputes the scores). Bytes: each
// operand read once, each result written once. FP8 tensors carry one FP32 scale per 128 values. Shapes: a
// GEMM's forward (rows, n, k), Dgrad (rows, k, n), Wgrad (n, k, rows); attention at the heads one GPU holds.
// Saved activations: what each op's backward reads, as Korthikanti et al. 2022 (arXiv 2205.05198, section 4)
// count them (34sbh + 5as^2b bytes for a GPT layer with unfused attention), under each recompute mode
// (recompute.h) and with sequence parallelism sharding what it shards.
// How ops are added and what they keep: layer_builder.h; the attention cores: attention_core_ops.h; the MLP and
// MoE blocks: mlp_ops.h. This file puts a layer together: attention (MLA or GQA), its core and output, the MLP.
#include "models/op_catalog.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "core/error.h"
#include "models/attention_core_ops.h"
#include "models/layer_builder.h"
#include "models/linear_biases.h"
#include "models/mlp_ops.h"
#include "models/model_size.h"
#include "models/position_embeddings.h"

namespace trainsim::models {
namespace catalog {
namespace {

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
  b.gradient_sum("attn.input_grad_sum", role, rows, h);  // the q and kv down-projections' input gradients
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
  // Rotary positions rotate Q and K; a model with a learned position table (GPT-2/3) adds its positions to
  // the embedding instead (position_embeddings.h) and has no RoPE.
  if (m.learned_positions == 0) b.elementwise("attn.rope", OpRole::kAttention, rows, q + kv, q + kv, 0);
  // Sinks: one logit per head joins each softmax denominator, a term per (query, head) beside the head_dim
  // products of every key: not priced (negligible).
  return norm_parameters(m, h) + h * (q + 2 * kv) +
         attention_extra_parameters(m, q, kv, static_cast<double>(m.num_heads) / c.tp);
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
  b.residual_add("attn", OpRole::kAttention, sequence_rows(c), m.hidden_size);
  return heads * d_v * m.hidden_size;
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
  vocab_tp_collective(b, "head", VocabEnd::kHead, rows, h);
  // The output head stays BF16 (tech report 3.3.1).
  b.gemm("head.proj", OpRole::kHead, rows, h, vocab, Dtype::kBf16, true);
  if (c.cross_entropy_kernel == CrossEntropyKernel::kFused) {
    // One kernel each way: the loss reads the 16-bit logits, backward writes their gradient; the logits kept.
    b.elementwise("head.cross_entropy", OpRole::kHead, rows, vocab, 1, rows * vocab * kBf16);
  } else {
    // Megatron-LM's vocab-parallel cross-entropy on FP32 logits, bytes per logit (models/cross_entropy_kernel.h):
    // forward the cast (2 read, 4 written), max (4), subtract in place (8), exp in place (8), sum (4) and the
    // divide into the softmax (8): 38; backward the multiply by the loss gradient in place (8) and the cast of
    // the gradient back to 16 bits (4 read, 2 written): 14. The FP32 softmax (4) is kept for backward. The
    // target-logit gathers and the TP all-reduces of per-token values are negligible beside them.
    const double logits = rows * vocab;
    b.add({"head.cross_entropy", OpKind::kElementwise, Dtype::kFp32, Pass::kForward, OpRole::kHead, 5 * logits,
           38 * logits});
    b.add({"head.cross_entropy.bwd", OpKind::kElementwise, Dtype::kFp32, Pass::kBackwardInput, OpRole::kHead,
           2 * logits, 14 * logits});
    b.save(logits * kFp32);
  }
  out.parameters += norm_parameters(m, h) + (count_weights ? h * vocab : 0.0);
}

}  // namespace
}  // namespace catalog

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
  using namespace catalog;  // the catalog's builder and blocks (a function's scope: no leak into a unity batch)
  TS_CHECK(context.tp >= 1 && context.cp >= 1 && context.ep >= 1 && context.micro_batch_size >= 1 &&
           context.sequence_length >= 1);
  LayerOps out;
  out.kind = kind;
  LayerBuilder b(context, out);
  b.norm_kind = model.layer_norm ? NormKind::kLayer : NormKind::kRms;
  const double rows = context.tokens(), h = model.hidden_size;
  double head_saved_bytes = 0;  // an MTP module's share of the shared head: kept whatever the recompute
  switch (kind) {
    case LayerKind::kDense: build_transformer_layer(model, false, b, out); break;
    case LayerKind::kMoe: build_transformer_layer(model, model.is_moe(), b, out); break;
    case LayerKind::kEmbedding:
      b.add({"embed.lookup", OpKind::kEmbedding, Dtype::kBf16, Pass::kForward, OpRole::kPre, 0, 2.0 * rows * h * kBf16});
      vocab_tp_collective(b, "embed", VocabEnd::kEmbedding, rows, h);
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
      vocab_tp_collective(b, "mtp.embed", VocabEnd::kEmbedding, rows, h);
      b.add({"mtp.embed_scatter_add", OpKind::kEmbedding, Dtype::kFp32, Pass::kBackwardWeight, OpRole::kPre, rows * h,
             rows * h * (kBf16 + 2 * kFp32)});
      b.norm("mtp.enorm", OpRole::kPre, rows, h, false);
      b.norm("mtp.hnorm", OpRole::kPre, rows, h, false);
      b.gemm("mtp.eh_proj", OpRole::kPre, rows, 2 * h, h, Dtype::kBf16, true);
      out.parameters += 2 * h + 2 * h * h;
      build_transformer_layer(model, model.is_moe(), b, out);
      head_saved_bytes = b.saved_bytes();
      build_output_head(model, b, out, false);
      head_saved_bytes = b.saved_bytes() - head_saved_bytes;
      break;
  }
  if (context.gradient_accumulation_bytes_per_parameter > 0) {
    // Each micro-batch's weight gradients added to the accumulated ones by a kernel of their own (the read of
    // both and the write of the sum), after the layer's Wgrad GEMMs. A tied output head's Wgrad is added to
    // the embedding's gradient all the same.
    const double tied_head = kind == LayerKind::kOutputHead && model.tie_word_embeddings
                                 ? h * static_cast<double>(model.vocab_size) / context.tp
                                 : 0.0;
    const double accumulated = out.parameters + out.expert_parameters + tied_head;
    if (accumulated > 0)
      b.add({"grad_accumulate", OpKind::kElementwise, Dtype::kFp32, Pass::kBackwardWeight, OpRole::kPre, accumulated,
             accumulated * context.gradient_accumulation_bytes_per_parameter});
  }
  if (context.recompute == Recompute::kFull && kind != LayerKind::kEmbedding && kind != LayerKind::kOutputHead) {
    // Full recomputation keeps only the layer input (a sequence shard with SP: Korthikanti 4.3, 2sbh/t) and
    // re-runs the whole forward inside backward. It checkpoints transformer layers only: the output head and
    // its loss (an MTP module's too) run once and keep what their backward needs, as Megatron-LM's
    // --recompute-granularity full checkpoints the transformer block and not the output layer
    // (docs/sources.md#megatron-full-recompute).
    std::vector<Op> rerun;
    for (const Op& op : out.ops) {
      if (op.pass != Pass::kForward || op.recomputed || op.role == OpRole::kHead || op.role == OpRole::kHeadTp) continue;
      Op again = op;
      again.pass = Pass::kBackwardInput;
      again.recomputed = true;
      rerun.push_back(std::move(again));
    }
    out.ops.insert(out.ops.end(), rerun.begin(), rerun.end());
    out.saved_activation_bytes = sequence_rows(context) * h * kBf16 + head_saved_bytes;
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
