// LayerBuilder: how the op catalog (op_catalog.cc, attention_core_ops.cc, mlp_ops.cc) adds one layer's ops, its
// GEMMs with their Dgrad and Wgrad, norms, element-wise ops, dropouts and collectives, and books what each keeps
// for backward (Korthikanti et al. 2022, arXiv 2205.05198, section 4). Internal to the catalog: models::catalog.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "models/layer_norms.h"
#include "models/op_catalog.h"
#include "models/qk_norm_ops.h"

namespace trainsim::models::catalog {


inline constexpr double kFp8ScaleOverhead = 1.0 + 4.0 / 128.0;  // one FP32 scale per 1x128 tile
inline constexpr double kBf16 = 2.0, kFp32 = 4.0;
inline constexpr double kMaskByte = 1.0, kInt32 = 4.0;  // a dropout mask's byte per value (Korthikanti 4.1); an index

inline double element_bytes(Dtype dtype) {
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
inline std::int64_t dimension(double value) { return static_cast<std::int64_t>(std::llround(value)); }

// `dims` with each group's tokens (empty: equal groups), which are its rows, or its contracted k in a Wgrad.
inline GemmDims routed_groups(GemmDims dims, const std::vector<std::int64_t>& tokens, bool tokens_are_k) {
  dims.tokens_by_group = tokens;
  dims.tokens_are_k = tokens_are_k && !tokens.empty();
  return dims;
}

class LayerBuilder {
 public:
  LayerBuilder(const OpContext& context, LayerOps& out) : context_(context), out_(out) {}

  void add(Op op) { out_.ops.push_back(std::move(op)); }
  Op& last_op() { return out_.ops.back(); }

  // Y[rows, n] = X[rows, k] W[n, k]^T, with its Dgrad and Wgrad. `save_input`: X kept for Wgrad (false when
  // its producer is recomputed); `recompute`: this GEMM re-runs in backward because its output is not kept.
  // `weight_sets`: one for a dense GEMM; a grouped GEMM's groups (local experts), the rows split evenly among them.
  void gemm(const std::string& name, OpRole role, double rows, double k, double n, Dtype dtype, bool save_input,
            bool recompute = false, OpKind kind = OpKind::kGemm, double weight_sets = 1) {
    const double a = operand_bytes(dtype), flops = 2.0 * rows * k * n;
    const double weights = weight_sets * n * k;
    const double forward_bytes = rows * k * a + weights * a + rows * n * kBf16;
    const std::int64_t groups = dimension(weight_sets), group_rows = dimension(rows / weight_sets);
    // A routed grouped GEMM at the router's own counts: each expert's rows (OpContext::routed_rows_by_expert).
    static const std::vector<std::int64_t> kEvenGroups;
    const std::vector<std::int64_t>& tokens =
        kind == OpKind::kGroupedGemm ? context_.routed_rows_by_expert : kEvenGroups;
    if (dtype == Dtype::kFp8) quantize(name + ".quant_x", role, rows * k, Pass::kForward);
    Op forward{name, kind, dtype, Pass::kForward, role, flops, forward_bytes};
    forward.shape = routed_groups(GemmDims(groups, group_rows, dimension(n), dimension(k)), tokens, false);
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
    dgrad.shape = routed_groups(GemmDims(groups, group_rows, dimension(k), dimension(n)), tokens, false);
    add(std::move(dgrad));
    if (dtype == Dtype::kFp8)
      add({name + ".requant_x_t", OpKind::kQuantize, Dtype::kFp8, Pass::kBackwardWeight, role, 0,
           rows * k * wgrad_transpose_bytes_per_element(context_.precision.format)});
    // Wgrad: dW[n, k] = dY^T[n, rows] X[rows, k] per group, the tokens contracted.
    Op wgrad{name + ".wgrad", kind, dtype, Pass::kBackwardWeight, role, flops, rows * n * a + rows * k * a + weights * kFp32};
    wgrad.shape = routed_groups(GemmDims(groups, dimension(n), dimension(k), group_rows), tokens, true);
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

  // An input of [rows, width] BF16 values that two ops read: backward, autograd adds the two gradients that come
  // back to it (both read, the sum written: 3 x 2 bytes a value). DeepSeek's own trace shows such a sum for each MLA
  // layer's normed input (q_down and kv_down) and each MoE layer's (the gate and the experts), 54-60 us each on an
  // H800 (hardware/calibration/traces/README.md).
  void gradient_sum(const std::string& name, OpRole role, double rows, double width) {
    add({name, OpKind::kElementwise, Dtype::kBf16, Pass::kBackwardInput, role, rows * width,
         3 * rows * width * kBf16});
  }

  // A block's output joining the residual stream over [rows, width] BF16 values, where the context's framework
  // runs it as kernels of its own (models/residual_add.h): forward `<block>.residual_add` reads the two and writes
  // their sum, backward `<block>.residual_grad_sum` reads the stream's gradient and the branch input's and writes
  // their sum (3 x 2 bytes a value each way). Fused, nothing: the bytes move inside the neighbouring kernels.
  void residual_add(const std::string& block, OpRole role, double rows, double width) {
    if (context().residual_add != ResidualAdd::kSeparate) return;
    add({block + ".residual_add", OpKind::kElementwise, Dtype::kBf16, Pass::kForward, role, rows * width,
         3 * rows * width * kBf16});
    gradient_sum(block + ".residual_grad_sum", role, rows, width);
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
void tp_collectives(LayerBuilder& b, const std::string& block, OpRole role, double rows, double hidden);

// Context parallelism's collectives around the attention core (Llama 3's all-gather-based CP, arXiv 2407.21783
// section 3.3.2; Transformer Engine's all-gather CP): K and V of the whole sequence, `kv_width` BF16 values a
// token, all-gathered over the CP group before the core in forward and again in backward (each GPU keeps only its
// own tokens' K and V), and their gradients reduce-scattered after the core's backward. Meta states the
// all-gather is exposed, not overlapped. A ring (OpContext::cp_comm, Megatron-Core's p2p) moves the same bytes,
// each of its cp - 1 sends under the core's work on the chunk already there: the ops are the same, marked as
// hidden under the attention core (Op::hidden_under). The CP group's ranks follow TP's in the rank order
// (Megatron-Core's tp-cp-ep-dp-pp), so a node holds gpus_per_node / tp of them. `rerun`: the core re-runs in
// backward (full or core-attention recomputation), and with it the forward's all-gather.
void cp_collectives(LayerBuilder& b, double kv_width, bool rerun);

// The one TP collective at each end of the model, where the vocabulary is split over TP (Megatron's
// VocabParallelEmbedding and parallel_lm_logits): the embedding's partial lookups summed in forward (an
// all-reduce; with sequence parallelism a reduce-scatter, and the all-gather of its gradient in backward), and
// the output head's input gradient summed in backward (an all-reduce; with sequence parallelism the head's
// input all-gathered in forward and the gradient reduce-scattered).
enum class VocabEnd { kEmbedding, kHead };
void vocab_tp_collective(LayerBuilder& b, const std::string& name, VocabEnd end, double rows, double hidden);

inline Dtype gemm_dtype(const OpContext& c) { return c.precision.fp8_gemms ? Dtype::kFp8 : Dtype::kBf16; }

inline bool reruns(const OpContext& c, RecomputeModule module) {
  return recompute_modules(c.recompute, c.recompute_modules).has(module);
}

// Rows of a tensor that sequence parallelism splits along the sequence over TP (the norms, the residual
// dropouts, the layer input) and every TP rank holds whole without it (Korthikanti et al. 2022, 4.2.2).
inline double sequence_rows(const OpContext& c) { return c.sequence_parallel ? c.tokens() / c.tp : c.tokens(); }

// A GEMM's input that sequence parallelism all-gathers first (a norm's output), kept for its Wgrad: Megatron keeps
// the sequence shard and gathers it again in backward (Korthikanti 4.2.2), so it is booked at the shard's rows.
inline void save_gathered_input(LayerBuilder& b, double k, Dtype dtype) {
  b.save(sequence_rows(b.context()) * k * element_bytes(dtype));
}

}  // namespace trainsim::models::catalog
