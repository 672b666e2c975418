// FP64 CPU references of MLA decode (DeepSeek-V3 tech report section 2.1.1; FlashMLA's layout): one new query
// token per sequence against a cached latent. With W_UK absorbed into the query and W_UV applied after the
// attention, every head attends to the same 576-wide cache rows [c_kv (512), k_rope (64)] and returns 512.
#pragma once
#include <span>
#include <vector>

#include "kernels/mla/mla_problem.h"

namespace trainsim::kernels {

struct DecodeRef {
  std::vector<double> o;    // [sequences][heads][v_dim]
  std::vector<double> lse;  // [sequences][heads]
};

// The decode core: q [sequences][heads][qk_dim], cache [cache tokens][qk_dim] packed by `cache`; values are
// the first v_dim columns of each cache row. Every cached token is visible to the new query.
DecodeRef decode_core_ref(const VarlenBatch& cache, int heads, int qk_dim, int v_dim, double scale,
                          std::span<const double> q, std::span<const double> cache_rows);

// q_absorbed[h] = [W_UK_h^T q_nope[h], q_rope[h]]: from [sequences][heads][qk_nope + qk_rope] to
// [sequences][heads][kv_lora + qk_rope]; w_ukv as in MlaWeights.
std::vector<double> absorb_query_ref(const MlaDims& d, std::span<const double> q, std::span<const double> w_ukv);
// o[h] = W_UV_h o_latent[h]: from [sequences][heads][kv_lora] to [sequences][heads][v_dim].
std::vector<double> absorb_output_ref(const MlaDims& d, std::span<const double> o_latent,
                                      std::span<const double> w_ukv);

// The same attention without absorption: per-head keys [W_UK_h c_kv, k_rope] and values W_UV_h c_kv
// materialised from the cache (c_kv [tokens][kv_lora], k_rope [tokens][qk_rope], RoPE already applied).
std::vector<double> decode_unabsorbed_ref(const MlaDims& d, const VarlenBatch& cache, std::span<const double> q,
                                          std::span<const double> c_kv, std::span<const double> k_rope,
                                          std::span<const double> w_ukv);

}  // namespace trainsim::kernels
