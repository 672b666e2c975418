// The unfused and flash attention cores' ops (attention_core_ops.h).
#include "models/attention_core_ops.h"

#include "models/attention_window.h"

namespace trainsim::models::catalog {

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
    op.attention_core = true;
    return op;
  };
  auto elementwise = [&](std::string name, Pass pass, double flops, double bytes) {
    Op op{std::move(name), OpKind::kElementwise, Dtype::kBf16, pass, role, flops, bytes};
    op.attention_core = true;
    return op;
  };
  std::vector<Op> forward{
      gemm("attn.scores", Pass::kForward, 2 * scores * d_qk, 2 * q_bytes + scores * kBf16, GemmDims{groups, seq, seq, dq}),
      elementwise("attn.softmax", Pass::kForward, 4 * scores, 2 * scores * kBf16)};
  if (dropout)
    forward.push_back(elementwise("attn.dropout", Pass::kForward, scores, scores * (2 * kBf16 + kMaskByte)));
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
    b.add(elementwise("attn.dropout.bwd", Pass::kBackwardInput, scores, scores * (2 * kBf16 + kMaskByte)));
  b.add(elementwise("attn.softmax.bwd", Pass::kBackwardInput, 4 * scores, 3 * scores * kBf16));
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
  // Causal pairs, fewer under a sliding window: the mean over the layers (models/attention_window.h). Context
  // parallelism's load-balanced split gives each of the cp GPUs exactly 1/cp of them (hw::AttentionShape).
  const std::int64_t window = dimension(effective_window(m, s));
  const double causal_pairs = c.micro_batch_size * attended_pairs(s, static_cast<double>(window)) / c.cp;
  const double forward_flops = 2.0 * heads * causal_pairs * (d_qk + d_v);
  // Flash backward recomputes S = QK^T and runs dP = dO V^T, dV = P^T dO, dK = dS^T Q, dQ = dS K: three GEMMs
  // over the q/k head dim and two over the v head dim per pair (2.5x forward when the two dims are equal).
  const double backward_flops = 2.0 * heads * causal_pairs * (3 * d_qk + 2 * d_v);
  // Q and O of this GPU's tokens; K and V of the whole sequence (all-gathered under context parallelism).
  const double qkvo_bytes = rows * (heads * d_qk + c.cp * kv_heads * (d_qk + d_v) + heads * d_v) * kBf16;
  const double lse_bytes = rows * heads * kFp32;
  const OpRole role = OpRole::kAttention;
  const AttentionDims shape{c.micro_batch_size, c.sequence_length, dimension(heads), dimension(d_qk), dimension(d_v),
                            true, window, c.cp};
  // NOTE: MLA's K and V are gathered per head, as its up-projection writes them and as context parallelism passes
  // any attention's K and V; gathering the compressed latent (kv_lora_rank + the RoPE key a token) and
  // up-projecting the whole sequence on every rank would move far fewer bytes for more GEMM work: not modelled.
  cp_collectives(b, kv_heads * (d_qk + d_v), rerun);
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

}  // namespace trainsim::models::catalog
