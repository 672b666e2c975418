// Multi-head latent attention as a layer (arXiv 2412.19437, section 2.1.1, equations 1-11): query and KV
// latents with RMSNorm, decoupled RoPE key shared by the heads, causal softmax, output projection; forward from
// mla_projections_ref.h and mla_attention_ref.h, backward through the same steps in reverse.
#pragma once
#include <span>
#include <vector>

#include "kernels/model/linear_gemm.h"
#include "kernels/mla/mla_attention_ref.h"
#include "kernels/mla/mla_projections_ref.h"

namespace trainsim::kernels::model {

struct MlaCache {
  std::vector<double> x;       // [tokens][hidden]
  std::vector<int> positions;  // RoPE position of each token inside its sequence
  AttentionShape shape;
  MlaQkvRef qkv;             // latents, q, k, v
  // [tokens][q_lora], the query down-projection's output, kept in both modes as the simulator's op catalog keeps
  // it: DeepSeek-V3 recomputes the norms and the up-projections, not the down-projections (section 3.2.3).
  std::vector<double> q_down;
  std::vector<double> attn;  // [tokens][heads][v_dim], before the output projection
  GemmPrecision precision = GemmPrecision::kFP64;  // of the five projections, forward and backward
  // Set by the caller before forward: DeepSeek-V3's recomputation (arXiv 2412.19437, section 3.2.3): the latent
  // RMSNorms' outputs (qkv.c_q, qkv.c_kv) and the up-projections' outputs (qkv.q, k, v) are dropped after the
  // attention core and recomputed in backward from x and qkv.kv_down, by the same operations (same results).
  bool recompute_norms_and_up = false;
};

// Bytes of activations the cache holds for backward (its vectors' elements; doubles 8 bytes, ints 4).
size_t cached_bytes(const MlaCache& cache);

MlaWeights zero_mla_weights(const MlaDims& d);

// x [tokens][hidden] over the packed sequences of `batch` -> [tokens][hidden].
std::vector<double> mla_attention_forward(const MlaDims& d, const MlaWeights& w, const VarlenBatch& batch,
                                          std::span<const double> x, MlaCache& cache,
                                          GemmPrecision precision = GemmPrecision::kFP64);
// Returns dx and adds every weight's gradient into `grads`. x: the layer's input when the cache dropped it (the
// block recomputes its RMSNorm); empty: cache.x.
std::vector<double> mla_attention_backward(const MlaDims& d, const MlaWeights& w, const MlaCache& cache,
                                           std::span<const double> dy, MlaWeights& grads,
                                           std::span<const double> x = {});

}  // namespace trainsim::kernels::model
