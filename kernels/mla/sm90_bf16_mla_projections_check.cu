// Check driver of MLA's projections on the GPU (no GoogleTest), at DeepSeek-V3's dims on a small packed
// batch: RMSNorm and RoPE/assembly alone, then the whole chain hidden -> q, k, v and the output projection,
// each against the FP64 reference from the same BF16-rounded inputs and weights.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "kernels/common/device_info.cuh"
#include "kernels/mla/mla_device_harness.cuh"
#include "kernels/mla/mla_projections_ref.h"
#include "kernels/mla/mla_tolerances.h"
#include "kernels/mla/sm90_bf16_mla_projections.cuh"
#include "kernels/common/driver_args.h"

using namespace trainsim::kernels;

namespace {

void check_small_kernels(CheckLog& log, const MlaDims& d, const VarlenBatch& batch, uint64_t seed) {
  const int tokens = batch.total_tokens();
  const std::vector<int> pos = batch.positions();
  auto positions = upload_ints(pos);
  {  // RMSNorm of the first 512 of 576 columns, as on kv_down
    const std::vector<double> x = random_bf16_values(size_t(tokens) * d.kv_down_dim(), seed, 3.0f);
    std::vector<double> gamma = random_bf16_values(size_t(d.kv_lora), seed + 1, 0.1f);
    for (double& g : gamma) g = round_to_bf16(float(1 + g));
    auto dx = upload_bf16(x), dg = upload_bf16(gamma);
    DeviceBuffer<__nv_bfloat16> y(size_t(tokens) * d.kv_lora);
    y.poison();
    mla_rmsnorm(dx.get(), tokens, d.kv_lora, d.kv_down_dim(), dg.get(), float(d.rms_eps), y.get(), nullptr);
    TS_CUDA_CHECK(cudaDeviceSynchronize());
    log.expect("RMSNorm 512 of 576 columns", download(y),
               rmsnorm_ref(x, tokens, d.kv_lora, d.kv_down_dim(), gamma, d.rms_eps), kBf16OutputRelL2);
  }
  {  // RoPE and the q/k/v assembly
    const std::vector<double> q_up = random_bf16_values(size_t(tokens) * d.heads * d.qk_dim(), seed + 2);
    const std::vector<double> kv_up = random_bf16_values(size_t(tokens) * d.heads * d.kv_up_dim(), seed + 3);
    const std::vector<double> kv_down = random_bf16_values(size_t(tokens) * d.kv_down_dim(), seed + 4);
    auto dq = upload_bf16(q_up), dkv_up = upload_bf16(kv_up), dkv_down = upload_bf16(kv_down);
    DeviceBuffer<__nv_bfloat16> k(size_t(tokens) * d.heads * d.qk_dim()), v(size_t(tokens) * d.heads * d.v_dim);
    k.poison();
    v.poison();
    mla_rope_assemble(d, tokens, positions.get(), dq.get(), dkv_up.get(), dkv_down.get(), k.get(), v.get(), nullptr);
    TS_CUDA_CHECK(cudaDeviceSynchronize());
    MlaQkvRef ref;
    assemble_qkv_ref(d, q_up, kv_up, kv_down, pos, ref);
    log.expect("RoPE + assembly q", download(dq), ref.q, kBf16OutputRelL2);
    log.expect("RoPE + assembly k", download(k), ref.k, kBf16OutputRelL2);
    log.expect("RoPE + assembly v", download(v), ref.v, kBf16OutputRelL2);
  }
}

void check_chain(CheckLog& log, const MlaDims& d, const VarlenBatch& batch, uint64_t seed) {
  const int tokens = batch.total_tokens();
  const std::vector<int> pos = batch.positions();
  MlaWeights w = random_mla_weights(d, seed);
  for (auto* t : {&w.w_dq, &w.gamma_q, &w.w_uq, &w.w_dkv, &w.gamma_kv, &w.w_ukv, &w.w_o}) round_values_to_bf16(*t);
  const std::vector<double> x = random_bf16_values(size_t(tokens) * d.hidden, seed + 10);
  const std::vector<double> attn_out = random_bf16_values(size_t(tokens) * d.heads * d.v_dim, seed + 11);

  auto dw_dq = upload_bf16(w.w_dq), dg_q = upload_bf16(w.gamma_q), dw_uq = upload_bf16(w.w_uq);
  auto dw_dkv = upload_bf16(w.w_dkv), dg_kv = upload_bf16(w.gamma_kv), dw_ukv = upload_bf16(w.w_ukv);
  auto dw_o = upload_bf16(w.w_o), dx = upload_bf16(x), dattn = upload_bf16(attn_out);
  auto positions = upload_ints(pos);
  auto q_down = make_cublaslt_bf16_linear(dw_dq.get(), d.q_lora, d.hidden);
  auto q_up = make_cublaslt_bf16_linear(dw_uq.get(), d.heads * d.qk_dim(), d.q_lora);
  auto kv_down = make_cublaslt_bf16_linear(dw_dkv.get(), d.kv_down_dim(), d.hidden);
  auto kv_up = make_cublaslt_bf16_linear(dw_ukv.get(), d.heads * d.kv_up_dim(), d.kv_lora);
  auto out = make_cublaslt_bf16_linear(dw_o.get(), d.hidden, d.heads * d.v_dim);
  const size_t t = size_t(tokens);
  DeviceBuffer<__nv_bfloat16> b_qd(t * d.q_lora), b_cq(t * d.q_lora), b_q(t * d.heads * d.qk_dim()),
      b_kvd(t * d.kv_down_dim()), b_ckv(t * d.kv_lora), b_kvu(t * d.heads * d.kv_up_dim()),
      b_k(t * d.heads * d.qk_dim()), b_v(t * d.heads * d.v_dim), b_y(t * d.hidden);
  for (auto* b : {&b_qd, &b_cq, &b_q, &b_kvd, &b_ckv, &b_kvu, &b_k, &b_v, &b_y}) b->poison();
  const MlaProjectionLayers layers{q_down.get(), q_up.get(), kv_down.get(), kv_up.get(), dg_q.get(), dg_kv.get()};
  const MlaProjectionBuffers bufs{b_qd.get(),  b_cq.get(),  b_q.get(), b_kvd.get(),
                                  b_ckv.get(), b_kvu.get(), b_k.get(), b_v.get()};
  mla_qkv_forward(d, layers, dx.get(), tokens, positions.get(), bufs, nullptr);
  out->forward(dattn.get(), b_y.get(), tokens, nullptr);
  TS_CUDA_CHECK(cudaDeviceSynchronize());

  const MlaQkvRef ref = mla_qkv_ref(d, w, x, pos);
  const std::string tag = "chain (" + out->name() + ", " + std::to_string(tokens) + " tokens) ";
  log.expect(tag + "kv_down GEMM 7168->576", download(b_kvd), ref.kv_down, kBf16OutputRelL2);
  log.expect(tag + "c_q = RMSNorm(q_down)", download(b_cq), ref.c_q, kBf16OutputRelL2);
  log.expect(tag + "c_kv = RMSNorm(kv_down)", download(b_ckv), ref.c_kv, kBf16OutputRelL2);
  log.expect(tag + "q", download(b_q), ref.q, kBf16OutputRelL2);
  log.expect(tag + "k", download(b_k), ref.k, kBf16OutputRelL2);
  log.expect(tag + "v", download(b_v), ref.v, kBf16OutputRelL2);
  log.expect(tag + "output projection 16384->7168", download(b_y),
             linear_ref(attn_out, w.w_o, tokens, d.hidden, d.heads * d.v_dim), kBf16OutputRelL2);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const bool quick = parse_driver_args(argc, argv).quick;  // --quick: 300 tokens, not 4003, for the small kernels
    std::printf("# MLA projections check on %s\n", describe(query_device()).c_str());
    CheckLog log;
    const MlaDims d;  // DeepSeek-V3
    const VarlenBatch batch = VarlenBatch::from_lengths({5, 40, 83});
    check_small_kernels(log, d, VarlenBatch::from_lengths(quick ? std::vector<int>{3, 297} : std::vector<int>{3, 4000}), 501);
    check_chain(log, d, batch, 502);
    std::printf("%s: %d failure(s)\n", log.failures() ? "FAIL" : "PASS", log.failures());
    return log.failures() ? 1 : 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mla_projections_check: error: %s\n", e.what());
    return 1;
  }
}
