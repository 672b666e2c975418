// Check driver of the MLA attention core on the GPU (no GoogleTest): fresh random BF16 inputs per case, poisoned
// outputs, versions 1 and 2 of forward (O, log-sum-exp) and backward (dQ, dK, dV) against the FP64 reference,
// and a rerun that must reproduce every bit (the kernels are deterministic). Exit 0 only if every line passes.
// Usage: mla_attention_check [--quick] (--quick skips the full 2 x 4096 x 128-head case and its slow reference).
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "kernels/common/device_info.cuh"
#include "kernels/mla/mla_attention_ref.h"
#include "kernels/mla/mla_device_harness.cuh"
#include "kernels/mla/mla_tolerances.h"
#include "kernels/mla/sm90_bf16_mla_attention.cuh"
#include "kernels/common/driver_args.h"

using namespace trainsim::kernels;

namespace {

// The columns of `heads_kept` from a [tokens][heads][dim] tensor, as [tokens][kept][dim].
template <class T>
std::vector<double> keep_heads(const std::vector<T>& x, int tokens, int heads, int dim, const std::vector<int>& kept) {
  std::vector<double> out;
  out.reserve(size_t(tokens) * kept.size() * dim);
  for (int t = 0; t < tokens; ++t)
    for (int h : kept)
      for (int c = 0; c < dim; ++c) out.push_back(double(x[(size_t(t) * heads + h) * dim + c]));
  return out;
}

std::vector<float> keep_heads_f(const std::vector<float>& x, int tokens, int heads, int dim,
                                const std::vector<int>& kept) {
  const std::vector<double> d = keep_heads(x, tokens, heads, dim, kept);
  return std::vector<float>(d.begin(), d.end());
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// One case: the device runs every head; the FP64 reference runs on `kept` heads (all when empty).
void check_case(CheckLog& log, const std::string& name, const std::vector<int>& lengths, int heads,
                std::vector<int> kept, uint64_t seed) {
  const AttentionShape shape{VarlenBatch::from_lengths(lengths), heads, 192, 128};
  const int tokens = shape.batch.total_tokens();
  const size_t rows = size_t(tokens) * heads;
  if (kept.empty())
    for (int h = 0; h < heads; ++h) kept.push_back(h);
  const std::vector<double> q = random_bf16_values(rows * 192, seed), k = random_bf16_values(rows * 192, seed + 1),
                            v = random_bf16_values(rows * 128, seed + 2),
                            d_o = random_bf16_values(rows * 128, seed + 3);
  auto dq_ = upload_bf16(q), dk_ = upload_bf16(k), dv_ = upload_bf16(v), ddo = upload_bf16(d_o);
  auto cu = upload_ints(shape.batch.cu_seqlens);
  DeviceBuffer<__nv_bfloat16> o(rows * 128), gq(rows * 192), gk(rows * 192), gv(rows * 128);
  DeviceBuffer<float> lse(rows), delta(rows);
  const AttentionDeviceArgs args{cu.get(), shape.batch.sequences(), shape.batch.max_length(), tokens, heads, 192, 128,
                                 0};

  auto run = [&] {
    for (auto* b : {&o, &gq, &gk, &gv}) b->poison();
    lse.poison();
    delta.poison();
    mla_attention_forward(args, dq_.get(), dk_.get(), dv_.get(), o.get(), lse.get(), nullptr);
    mla_attention_backward(args, dq_.get(), dk_.get(), dv_.get(), o.get(), lse.get(), ddo.get(), delta.get(), gq.get(),
                           gk.get(), gv.get(), nullptr);
    TS_CUDA_CHECK(cudaDeviceSynchronize());
    std::vector<std::vector<float>> got{download(o), download(lse), download(gq), download(gk), download(gv)};
    o.poison();
    lse.poison();
    mla_attention_forward(args, dq_.get(), dk_.get(), dv_.get(), o.get(), lse.get(), nullptr,
                          AttentionKernel::kV2MmaSync);
    TS_CUDA_CHECK(cudaDeviceSynchronize());
    got.push_back(download(o));
    got.push_back(download(lse));
    for (auto* b : {&gq, &gk, &gv}) b->poison();
    delta.poison();
    mla_attention_backward(args, dq_.get(), dk_.get(), dv_.get(), o.get(), lse.get(), ddo.get(), delta.get(), gq.get(),
                           gk.get(), gv.get(), nullptr, AttentionKernel::kV2MmaSync);
    TS_CUDA_CHECK(cudaDeviceSynchronize());
    for (auto* b : {&gq, &gk, &gv}) got.push_back(download(*b));
    return got;
  };
  const auto first = run();

  const AttentionShape sub{shape.batch, int(kept.size()), 192, 128};
  const auto sq = keep_heads(q, tokens, heads, 192, kept), sk = keep_heads(k, tokens, heads, 192, kept),
             sv = keep_heads(v, tokens, heads, 128, kept), sdo = keep_heads(d_o, tokens, heads, 128, kept);
  const AttentionForwardRef fwd = attention_forward_ref(sub, sq, sk, sv);
  const AttentionGradsRef grads = attention_backward_ref(sub, sq, sk, sv, sdo);
  const std::string tag = name + " (" + std::to_string(kept.size()) + "/" + std::to_string(heads) + " heads)";
  log.expect(tag + " O v1", keep_heads_f(first[0], tokens, heads, 128, kept), fwd.o, kBf16OutputRelL2);
  log.expect(tag + " LSE v1", keep_heads_f(first[1], tokens, heads, 1, kept), fwd.lse, kFp32OutputRelL2);
  log.expect(tag + " O v2 mma", keep_heads_f(first[5], tokens, heads, 128, kept), fwd.o, kBf16OutputRelL2);
  log.expect(tag + " LSE v2 mma", keep_heads_f(first[6], tokens, heads, 1, kept), fwd.lse, kFp32OutputRelL2);
  for (int version : {1, 2}) {
    const size_t at = version == 1 ? 2 : 7;
    const std::string v = version == 1 ? " v1" : " v2 mma";
    log.expect(tag + " dQ" + v, keep_heads_f(first[at], tokens, heads, 192, kept), grads.dq, kBf16OutputRelL2);
    log.expect(tag + " dK" + v, keep_heads_f(first[at + 1], tokens, heads, 192, kept), grads.dk, kBf16OutputRelL2);
    log.expect(tag + " dV" + v, keep_heads_f(first[at + 2], tokens, heads, 128, kept), grads.dv, kBf16OutputRelL2);
  }
  // Every head written (poison is NaN): count over all heads, not only the reference's.
  long long unwritten = 0;
  for (const auto& t : first)
    for (float x : t) unwritten += std::isfinite(x) ? 0 : 1;
  log.expect_true(name + " every output of every head written", unwritten == 0);
  const auto second = run();
  bool same = true;
  for (size_t i = 0; i < first.size(); ++i) same = same && same_bits(first[i], second[i]);
  log.expect_true(name + " rerun reproduces every bit", same);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const bool quick = parse_driver_args(argc, argv).quick;
    std::printf("# MLA attention check on %s\n", describe(query_device()).c_str());
    CheckLog log;
    check_case(log, "varlen {1,63,64,65,200,7} x 4 heads", {1, 63, 64, 65, 200, 7}, 4, {}, 101);
    check_case(log, "one sequence of 1000 x 16 heads", {1000}, 16, {0, 5, 15}, 202);
    if (!quick) check_case(log, "DeepSeek-V3 2 x 4096 x 128 heads", {4096, 4096}, 128, {0, 77, 127}, 303);
    std::printf("%s: %d failure(s)\n", log.failures() ? "FAIL" : "PASS", log.failures());
    return log.failures() ? 1 : 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mla_attention_check: error: %s\n", e.what());
    return 1;
  }
}
