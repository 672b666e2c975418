// GPU check of the grouped FP8 expert GEMMs (kernels/fp8's tile): fresh random inputs (seed printed), poisoned
// outputs, per-segment quantization bit-exact against the CPU reference, GEMMs against FP64 over the
// dequantized operands. Returns 1 if a check fails, 77 without a GPU. Built only where kernels/fp8 is.
#include <cuda_bf16.h>

#include <random>
#include <string>
#include <vector>

#include "kernels/common/driver_args.h"
#include "kernels/common/device_info.cuh"
#include "kernels/fp8/fp8_scaling.h"
#include "kernels/fp8/sm90_fp8_gemm.h"
#include "kernels/moe/expert_loads.h"
#include "kernels/moe/grouped_fp8_ref.h"
#include "kernels/moe/grouped_gemm_ref.h"
#include "kernels/moe/moe_check_harness.cuh"
#include "kernels/moe/permute_ref.h"
#include "kernels/moe/sm90_fp8_grouped_gemm.h"

namespace trainsim::kernels {
namespace {

using namespace moe_harness;

// Block scales compared where a block exists: each block row's scales are padded to 4 floats (fp8_scaling.h),
// and the padding is nobody's to write.
bool used_block_scales_match(const std::vector<float>& got, const std::vector<float>& want, int experts, int n, int k) {
  const size_t per_expert = fp8::scale_count(fp8::ScaleTiling::kBlock128x128, n, k);
  for (int e = 0; e < experts; ++e)
    for (int r = 0; r < n; r += fp8::kScaleTile)
      for (int c = 0; c < k; c += fp8::kScaleTile) {
        const size_t i = e * per_expert + fp8::scale_index(fp8::ScaleTiling::kBlock128x128, n, k, r, c);
        if (got[i] != want[i]) return false;
      }
  return true;
}

// The grouped FP8 path on kernels/fp8's GEMM: quantization bit-exact against the per-segment CPU reference,
// GEMMs against FP64 over the dequantized operands, SwiGLU + 1x128 quantization against FP64 SwiGLU.
void check_grouped_fp8(const std::string& name, const std::vector<int64_t>& loads, int n, int k,
                       fp8::GemmVariant variant, uint64_t seed) {
  const int experts = static_cast<int>(loads.size());
  std::vector<int> offsets{0};
  for (int64_t l : loads) offsets.push_back(offsets.back() + static_cast<int>((l + kExpertRowAlign - 1) / kExpertRowAlign * kExpertRowAlign));
  const std::vector<int64_t> offsets64(offsets.begin(), offsets.end());
  const int rows = offsets.back();
  std::vector<float> x_f, dy_f, w_f(size_t(experts) * n * k);
  auto x = random_bf16(size_t(rows) * k, seed, x_f);
  auto dy = random_bf16(size_t(rows) * n, seed + 1, dy_f);
  fill_normal(w_f, seed + 2, 0.05f);
  for (int e = 0; e < experts; ++e)  // zero padding rows, as permute writes them
    for (int r = offsets[e] + static_cast<int>(loads[e]); r < offsets[e + 1]; ++r) {
      std::fill_n(x.begin() + size_t(r) * k, k, __float2bfloat16(0.0f)), std::fill_n(x_f.begin() + size_t(r) * k, k, 0.0f);
      std::fill_n(dy.begin() + size_t(r) * n, n, __float2bfloat16(0.0f)), std::fill_n(dy_f.begin() + size_t(r) * n, n, 0.0f);
    }
  DeviceBuffer<bf16> d_x(x.size()), d_dy(dy.size()), d_y(size_t(rows) * n), d_dx(size_t(rows) * k);
  DeviceBuffer<float> d_w(w_f.size()), d_dw(w_f.size()), d_act(size_t(rows) * n / 2);
  DeviceBuffer<uint8_t> xq(x.size()), dyq(dy.size()), xtq(x.size()), dytq(dy.size()), wq(w_f.size()), wtq(w_f.size()),
      actq(size_t(rows) * n / 2);
  DeviceBuffer<float> xs(grouped_row_scale_count(rows, k)), dys(grouped_row_scale_count(rows, n)),
      xts(grouped_transposed_scale_count(rows, k)), dyts(grouped_transposed_scale_count(rows, n)),
      ws(expert_weight_scale_count(experts, n, k)), wts(expert_weight_scale_count(experts, k, n)),
      acts(grouped_row_scale_count(rows, n / 2));
  d_x.upload(x), d_dy.upload(dy), d_w.upload(w_f);
  const auto bf = fp8::InputType::kBF16;
  sm90_fp8_quantize_grouped_rows(offsets, d_x.get(), bf, k, xq.get(), xs.get(), nullptr);
  sm90_fp8_quantize_grouped_rows(offsets, d_dy.get(), bf, n, dyq.get(), dys.get(), nullptr);
  sm90_fp8_quantize_grouped_rows_transposed(offsets, d_x.get(), bf, k, xtq.get(), xts.get(), nullptr);
  sm90_fp8_quantize_grouped_rows_transposed(offsets, d_dy.get(), bf, n, dytq.get(), dyts.get(), nullptr);
  sm90_fp8_quantize_expert_weights(experts, d_w.get(), fp8::InputType::kFP32, n, k, wq.get(), ws.get(), wtq.get(), wts.get(), nullptr);
  sm90_fp8_grouped_gemm_fprop(offsets, n, k, {xq.get(), xs.get()}, {wq.get(), ws.get()}, d_y.get(), variant, nullptr);
  sm90_fp8_grouped_gemm_dgrad(offsets, n, k, {dyq.get(), dys.get()}, {wtq.get(), wts.get()}, d_dx.get(), variant, nullptr);
  sm90_fp8_grouped_gemm_wgrad(offsets, n, k, {dytq.get(), dyts.get()}, {xtq.get(), xts.get()}, d_dw.get(), variant, nullptr);
  sm90_fp8_grouped_swiglu_quantize(offsets, d_y.get(), n / 2, d_act.get(), actq.get(), acts.get(), nullptr);
  TS_CUDA_CHECK(cudaDeviceSynchronize());

  const auto rx = quantize_grouped_rows_ref(offsets, x_f, k), rdy = quantize_grouped_rows_ref(offsets, dy_f, n);
  const auto rxt = quantize_grouped_rows_transposed_ref(offsets, x_f, k);
  const auto rdyt = quantize_grouped_rows_transposed_ref(offsets, dy_f, n);
  const auto rw = quantize_expert_weights_ref(experts, w_f, n, k);
  const bool quant_ok = xq.download() == rx.codes && xs.download() == rx.scales && dyq.download() == rdy.codes &&
                        dys.download() == rdy.scales && xtq.download() == rxt.codes && xts.download() == rxt.scales &&
                        dytq.download() == rdyt.codes && dyts.download() == rdyt.scales && wq.download() == rw.codes &&
                        used_block_scales_match(ws.download(), rw.scales, experts, n, k);
  report("grouped fp8 " + name + " quantization", quant_ok, "codes and scales bit-exact vs per-segment quantize_ref");
  std::vector<double> y_ref(size_t(rows) * n), dx_ref(size_t(rows) * k), dw_ref(w_f.size());
  grouped_gemm_fprop_ref(offsets64, rx.values, rw.values, n, k, y_ref);
  grouped_gemm_dgrad_ref(offsets64, rdy.values, rw.values, n, k, dx_ref);
  grouped_gemm_wgrad_ref(offsets64, rdyt.values, rxt.values, n, k, dw_ref);
  const auto y = to_float(d_y.download());
  std::vector<double> h(y.begin(), y.end()), act_ref(size_t(rows) * n / 2);
  swiglu_ref(h, rows, n / 2, act_ref);
  const auto act = dequantize_grouped_rows(offsets, actq.download(), acts.download(), n / 2);
  // Bounds: FP32 promotion every 128 of K leaves ~1e-4; BF16 outputs add up to 2^-9; the SwiGLU output's
  // E4M3 quantization keeps 3 mantissa bits (2-3% in L2).
  const struct { const char* what; ErrorMetrics m; double bound; } results[] = {
      {"fprop bf16-out", compare(y, y_ref), 5e-3},
      {"dgrad bf16-out", compare(to_float(d_dx.download()), dx_ref), 5e-3},
      {"wgrad fp32-out", compare(d_dw.download(), dw_ref), 1e-3},
      {"swiglu+e4m3 1x128", compare(act, act_ref), 5e-2},
  };
  for (const auto& r : results)
    report("grouped fp8 " + name + " " + r.what, r.m.relative_l2 < r.bound && r.m.non_finite == 0, error_text(r.m));
}

int run() {
  if (!device_present("moe_fp8_check")) return kSkipped;
  std::printf("# MoE grouped FP8 checks on %s\n", describe(query_device()).c_str());
  const uint64_t seed = std::random_device{}();
  std::printf("# seed %llu\n", static_cast<unsigned long long>(seed));
  for (auto variant : {fp8::GemmVariant::kWgmma, fp8::GemmVariant::kSimt}) {
    const std::string v(fp8::to_string(variant));
    check_grouped_fp8(v + " ragged (0, 300, 1000, 37, 129 rows) n256 k512", {0, 300, 1000, 37, 129}, 256, 512, variant,
                      seed);
    check_grouped_fp8(v + " skewed MaxVio 2 over 4 n512 k256", skewed_loads(4, 2048, 2.0, seed + 1), 512, 256, variant,
                      seed + 2);
  }
  std::printf("# %d failure(s)\n", g_failures);
  return g_failures == 0 ? 0 : 1;
}

}  // namespace
}  // namespace trainsim::kernels

int main(int argc, char** argv) {
  try {
    (void)trainsim::kernels::parse_driver_args(argc, argv);  // --quick accepted: the checks are already small
    return trainsim::kernels::run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "moe_fp8_check: error: %s\n", e.what());
    return 1;
  }
}
