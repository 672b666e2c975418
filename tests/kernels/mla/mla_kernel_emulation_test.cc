// The MLA device kernels' own source, run on the CPU through cuda_host_emulation.h on small shapes (varlen,
// ragged tiles, a partial head group) against the FP64 references, with BF16 bounds from mla_tolerances.h.
// Compiled with no CUDA at all; the GPU check drivers repeat these comparisons on the device at full size.
// clang-format off
// The shim first: the kernel headers below take the CUDA built-ins from it.
#include "tests/kernels/common/cuda_host_emulation.h"
#include "kernels/mla/sm90_bf16_mla_attention_kernels.cuh"
#include "kernels/mla/sm90_bf16_mla_attention_kernels_v2.cuh"
#include "kernels/mla/sm90_bf16_mla_decode_kernels.cuh"
#include "kernels/mla/sm90_bf16_mla_decode_kernels_v2.cuh"
#include "kernels/mla/sm90_bf16_mla_small_kernels.cuh"
// clang-format on

#include <gtest/gtest.h>

#include "kernels/mla/mla_attention_ref.h"
#include "kernels/mla/mla_decode_ref.h"
#include "kernels/mla/mla_projections_ref.h"
#include "kernels/mla/mla_tolerances.h"
#include "tests/kernels/mla/mla_test_util.h"

namespace trainsim::kernels {
namespace {

using testing::random_doubles;
using testing::rel_l2;

std::vector<double> bf16_values(size_t n, unsigned long long seed) {
  std::vector<double> x = random_doubles(n, seed);
  for (double& e : x) e = round_to_bf16(float(e));
  return x;
}
std::vector<__nv_bfloat16> to_device(const std::vector<double>& x) {
  std::vector<__nv_bfloat16> out(x.size());
  for (size_t i = 0; i < x.size(); ++i) out[i] = __float2bfloat16(float(x[i]));
  return out;
}
template <class T>
std::vector<double> poisoned_result(const std::vector<T>& x) {  // NaN where nothing was written
  std::vector<double> out(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    if constexpr (std::is_same_v<T, float>)
      out[i] = x[i];
    else
      out[i] = __bfloat162float(x[i]);
  }
  return out;
}
bool all_finite(const std::vector<double>& x) {
  for (double e : x)
    if (!std::isfinite(e)) return false;
  return true;
}
constexpr __nv_bfloat16 kPoisonBf16{0xffff};  // NaN
const float kPoisonF32 = std::numeric_limits<float>::quiet_NaN();

TEST(MlaKernelEmulation, AttentionForwardAndBackwardMatchTheReference) {
  const AttentionShape shape{VarlenBatch::from_lengths({1, 63, 64, 65, 130}), 2, 192, 128};
  const int tokens = shape.batch.total_tokens(), heads = shape.heads;
  const size_t rows = size_t(tokens) * heads;
  const auto q = bf16_values(rows * 192, 1), k = bf16_values(rows * 192, 2), v = bf16_values(rows * 128, 3),
             d_o = bf16_values(rows * 128, 4);
  const auto dq_in = to_device(q), dk_in = to_device(k), dv_in = to_device(v), ddo = to_device(d_o);
  std::vector<__nv_bfloat16> o(rows * 128, kPoisonBf16), gq(rows * 192, kPoisonBf16), gk(rows * 192, kPoisonBf16),
      gv(rows * 128, kPoisonBf16);
  std::vector<float> lse(rows, kPoisonF32), delta(rows, kPoisonF32);
  const AttentionDeviceArgs args{
      shape.batch.cu_seqlens.data(), shape.batch.sequences(), shape.batch.max_length(), tokens, heads, 192, 128,
      float(shape.softmax_scale())};
  const dim3 grid(unsigned(attention_tiles(args.max_length)), unsigned(heads), unsigned(args.sequences));
  emulation::launch(grid, dim3(kAttnThreads), attention_forward_smem_bytes(), mla_v1::attention_forward_kernel, args,
                    dq_in.data(), dk_in.data(), dv_in.data(), o.data(), lse.data());
  emulation::launch(dim3(unsigned((rows + 7) / 8)), dim3(256), 0, mla_v1::attention_delta_kernel,
                    static_cast<long long>(rows), static_cast<const __nv_bfloat16*>(o.data()), ddo.data(),
                    delta.data());
  emulation::launch(grid, dim3(kAttnThreads), attention_backward_smem_bytes(), mla_v1::attention_dkdv_kernel, args,
                    dq_in.data(), dk_in.data(), dv_in.data(), static_cast<const float*>(lse.data()), ddo.data(),
                    static_cast<const float*>(delta.data()), gk.data(), gv.data());
  emulation::launch(grid, dim3(kAttnThreads), attention_backward_smem_bytes(), mla_v1::attention_dq_kernel, args,
                    dq_in.data(), dk_in.data(), dv_in.data(), static_cast<const float*>(lse.data()), ddo.data(),
                    static_cast<const float*>(delta.data()), gq.data());

  const AttentionForwardRef fwd = attention_forward_ref(shape, q, k, v);
  const AttentionGradsRef grads = attention_backward_ref(shape, q, k, v, d_o);
  const auto out = poisoned_result(o), out_lse = poisoned_result(lse), out_dq = poisoned_result(gq),
             out_dk = poisoned_result(gk), out_dv = poisoned_result(gv);
  for (const auto* x : {&out, &out_lse, &out_dq, &out_dk, &out_dv}) EXPECT_TRUE(all_finite(*x));
  EXPECT_LT(rel_l2(out, fwd.o), kBf16OutputRelL2);
  EXPECT_LT(rel_l2(out_lse, fwd.lse), kFp32OutputRelL2);
  EXPECT_LT(rel_l2(out_dq, grads.dq), kBf16OutputRelL2);
  EXPECT_LT(rel_l2(out_dk, grads.dk), kBf16OutputRelL2);
  EXPECT_LT(rel_l2(out_dv, grads.dv), kBf16OutputRelL2);
}

// Version 2's mma.sync fragments go through the emulated mma (each lane's registers gathered per warp, the
// PTX ISA layouts): a wrong fragment index or P layout shows here as a wrong O.
TEST(MlaKernelEmulation, AttentionV2MmaForwardAndBackwardMatchTheReference) {
  const AttentionShape shape{VarlenBatch::from_lengths({1, 70}), 2, 192, 128};  // small: emulated mma is slow
  const int tokens = shape.batch.total_tokens(), heads = shape.heads;
  const size_t rows = size_t(tokens) * heads;
  const auto q = bf16_values(rows * 192, 11), k = bf16_values(rows * 192, 12), v = bf16_values(rows * 128, 13);
  const auto dq_in = to_device(q), dk_in = to_device(k), dv_in = to_device(v);
  std::vector<__nv_bfloat16> o(rows * 128, kPoisonBf16);
  std::vector<float> lse(rows, kPoisonF32);
  const AttentionDeviceArgs args{
      shape.batch.cu_seqlens.data(), shape.batch.sequences(), shape.batch.max_length(), tokens, heads, 192, 128,
      float(shape.softmax_scale())};
  const dim3 grid(unsigned(attention_tiles(args.max_length)), unsigned(heads), unsigned(args.sequences));
  emulation::launch(grid, dim3(kAttnV2Threads), attention_forward_v2_smem_bytes(), mla_v2::attention_forward_mma_kernel,
                    args, dq_in.data(), dk_in.data(), dv_in.data(), o.data(), lse.data());
  const AttentionForwardRef fwd = attention_forward_ref(shape, q, k, v);
  const auto out = poisoned_result(o), out_lse = poisoned_result(lse);
  EXPECT_TRUE(all_finite(out) && all_finite(out_lse));
  EXPECT_LT(rel_l2(out, fwd.o), kBf16OutputRelL2);
  EXPECT_LT(rel_l2(out_lse, fwd.lse), kFp32OutputRelL2);

  // Backward version 2 on version 2's own O and log-sum-exp, as the check driver runs it.
  const auto d_o = bf16_values(rows * 128, 14);
  const auto ddo = to_device(d_o);
  std::vector<__nv_bfloat16> gq(rows * 192, kPoisonBf16), gk(rows * 192, kPoisonBf16), gv(rows * 128, kPoisonBf16);
  std::vector<float> delta(rows, kPoisonF32);
  emulation::launch(dim3(unsigned((rows + 7) / 8)), dim3(256), 0, mla_v1::attention_delta_kernel,
                    static_cast<long long>(rows), static_cast<const __nv_bfloat16*>(o.data()), ddo.data(),
                    delta.data());
  emulation::launch(grid, dim3(kAttnV2Threads), attention_backward_v2_smem_bytes(), mla_v2::attention_dkdv_mma_kernel,
                    args, dq_in.data(), dk_in.data(), dv_in.data(), static_cast<const float*>(lse.data()), ddo.data(),
                    static_cast<const float*>(delta.data()), gk.data(), gv.data());
  emulation::launch(grid, dim3(kAttnV2Threads), attention_backward_v2_smem_bytes(), mla_v2::attention_dq_mma_kernel,
                    args, dq_in.data(), dk_in.data(), dv_in.data(), static_cast<const float*>(lse.data()), ddo.data(),
                    static_cast<const float*>(delta.data()), gq.data());
  const AttentionGradsRef grads = attention_backward_ref(shape, q, k, v, d_o);
  const auto out_dq = poisoned_result(gq), out_dk = poisoned_result(gk), out_dv = poisoned_result(gv);
  EXPECT_TRUE(all_finite(out_dq) && all_finite(out_dk) && all_finite(out_dv));
  EXPECT_LT(rel_l2(out_dq, grads.dq), kBf16OutputRelL2);
  EXPECT_LT(rel_l2(out_dk, grads.dk), kBf16OutputRelL2);
  EXPECT_LT(rel_l2(out_dv, grads.dv), kBf16OutputRelL2);
}

TEST(MlaKernelEmulation, DecodeMatchesTheReference) {
  const VarlenBatch cache = VarlenBatch::from_lengths({1, 33, 70});
  const int heads = 20;  // version 1: one full group of 16 and a partial one; version 2: a partial group of 64
  const int seqs = cache.sequences();
  const auto q = bf16_values(size_t(seqs) * heads * 576, 5), rows = bf16_values(size_t(cache.total_tokens()) * 576, 6);
  const auto dq = to_device(q), dc = to_device(rows);
  const double scale = 1 / std::sqrt(192.0);
  const DecodeDeviceArgs args{cache.cu_seqlens.data(), seqs, heads, float(scale)};
  const DecodeRef ref = decode_core_ref(cache, heads, 576, 512, scale, q, rows);
  for (int version : {1, 2}) {
    std::vector<__nv_bfloat16> o(size_t(seqs) * heads * 512, kPoisonBf16);
    std::vector<float> lse(size_t(seqs) * heads, kPoisonF32);
    if (version == 1)
      emulation::launch(dim3(unsigned(decode_head_groups(heads)), unsigned(seqs)), dim3(kDecodeThreads),
                        decode_smem_bytes(), mla_v1::decode_kernel, args, dq.data(), dc.data(), o.data(), lse.data());
    else
      emulation::launch(dim3(unsigned(decode_v2_head_groups(heads)), unsigned(seqs)), dim3(kDecodeV2Threads),
                        decode_v2_smem_bytes(), mla_v2::decode_mma_kernel, args, dq.data(), dc.data(), o.data(),
                        lse.data());
    const auto out = poisoned_result(o), out_lse = poisoned_result(lse);
    EXPECT_TRUE(all_finite(out) && all_finite(out_lse)) << "version " << version;
    EXPECT_LT(rel_l2(out, ref.o), kBf16OutputRelL2) << "version " << version;
    EXPECT_LT(rel_l2(out_lse, ref.lse), kFp32OutputRelL2) << "version " << version;
  }
}

TEST(MlaKernelEmulation, RmsNormAndRopeAssemblyMatchTheReference) {
  MlaDims d;
  d.heads = 5;
  d.qk_nope = 8;
  d.qk_rope = 64;
  d.v_dim = 6;
  d.kv_lora = 512;
  const std::vector<int> pos{0, 1, 4095};
  const int tokens = 3;
  const auto kv_down = bf16_values(size_t(tokens) * d.kv_down_dim(), 7);
  std::vector<double> gamma = bf16_values(size_t(d.kv_lora), 8);
  const auto dkv_down = to_device(kv_down), dgamma = to_device(gamma);
  std::vector<__nv_bfloat16> c_kv(size_t(tokens) * d.kv_lora, kPoisonBf16);
  emulation::launch(dim3(unsigned(tokens)), dim3(mla_v1::kNormThreads), 0, mla_v1::rmsnorm_kernel, dkv_down.data(),
                    d.kv_lora, d.kv_down_dim(), dgamma.data(), 1e-6f, c_kv.data());
  EXPECT_LT(rel_l2(poisoned_result(c_kv), rmsnorm_ref(kv_down, tokens, d.kv_lora, d.kv_down_dim(), gamma, 1e-6)),
            kBf16OutputRelL2);

  const auto q_up = bf16_values(size_t(tokens) * d.heads * d.qk_dim(), 9);
  const auto kv_up = bf16_values(size_t(tokens) * d.heads * d.kv_up_dim(), 10);
  auto dq = to_device(q_up);
  const auto dkv_up = to_device(kv_up);
  std::vector<__nv_bfloat16> k(size_t(tokens) * d.heads * d.qk_dim(), kPoisonBf16),
      v(size_t(tokens) * d.heads * d.v_dim, kPoisonBf16);
  const mla_v1::RopeArgs a{d.heads, d.qk_nope, d.qk_rope, d.v_dim, d.kv_lora, d.rope_theta};
  emulation::launch(dim3(unsigned(tokens)), dim3(mla_v1::kRopeThreads), 0, mla_v1::rope_assemble_kernel, a, pos.data(),
                    dq.data(), dkv_up.data(), dkv_down.data(), k.data(), v.data());
  MlaQkvRef ref;
  assemble_qkv_ref(d, q_up, kv_up, kv_down, pos, ref);
  EXPECT_LT(rel_l2(poisoned_result(dq), ref.q), kBf16OutputRelL2);
  EXPECT_LT(rel_l2(poisoned_result(k), ref.k), kBf16OutputRelL2);
  EXPECT_EQ(poisoned_result(v), ref.v);  // a pure copy
}

}  // namespace
}  // namespace trainsim::kernels
