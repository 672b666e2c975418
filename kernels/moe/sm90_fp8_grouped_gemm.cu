// Grouped FP8 expert GEMMs, simplest correct version on kernels/fp8's tile: one fp8 GEMM launch per expert
// with rows (the expert lookup inside one persistent launch is the next step, NOTES.md), per-segment
// quantization by the fp8 quantizers, SwiGLU as an FP32 elementwise pass before the 1x128 quantizer.
#include <stdexcept>

#include "kernels/common/cuda_check.cuh"
#include "kernels/fp8/fp8_scaling.h"
#include "kernels/moe/sm90_fp8_grouped_gemm.h"

namespace trainsim::kernels {

namespace {
using fp8::ScaleTiling;

int segment_rows(std::span<const int> offsets, size_t e) { return offsets[e + 1] - offsets[e]; }
size_t element_bytes(fp8::InputType type) { return type == fp8::InputType::kBF16 ? 2 : 4; }

__global__ void swiglu_kernel(const __nv_bfloat16* __restrict__ h, int rows, int inter, float* __restrict__ act) {
  const size_t total = size_t(rows) * inter;
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < total; i += size_t(gridDim.x) * blockDim.x) {
    const size_t r = i / inter, j = i % inter;
    const float gate = __bfloat162float(h[r * 2 * inter + j]), up = __bfloat162float(h[r * 2 * inter + inter + j]);
    act[i] = gate / (1.0f + expf(-gate)) * up;
  }
}
}  // namespace

void sm90_fp8_quantize_grouped_rows(std::span<const int> offsets, const void* x, fp8::InputType type, int cols,
                                    uint8_t* codes, float* scales, cudaStream_t stream) {
  for (size_t e = 0; e + 1 < offsets.size(); ++e) {
    const int m = segment_rows(offsets, e), r0 = offsets[e];
    if (m == 0) continue;
    const void* xe = static_cast<const char*>(x) + size_t(r0) * cols * element_bytes(type);
    fp8::sm90_fp8_quantize_rows({xe, type, m, cols}, codes + size_t(r0) * cols, scales + size_t(r0) * fp8::k_blocks(cols),
                                stream);
  }
}

void sm90_fp8_quantize_grouped_rows_transposed(std::span<const int> offsets, const void* x, fp8::InputType type,
                                               int cols, uint8_t* codes_t, float* scales_t, cudaStream_t stream) {
  for (size_t e = 0; e + 1 < offsets.size(); ++e) {
    const int m = segment_rows(offsets, e), r0 = offsets[e];
    if (m == 0) continue;
    if (r0 % fp8::kScaleTile || m % fp8::kScaleTile)
      throw std::invalid_argument("grouped transposed quantization: segments must be whole 128-row tiles");
    const void* xe = static_cast<const char*>(x) + size_t(r0) * cols * element_bytes(type);
    fp8::sm90_fp8_quantize_rows_transposed({xe, type, m, cols}, codes_t + size_t(cols) * r0,
                                           scales_t + size_t(cols) * (r0 / fp8::kScaleTile), stream);
  }
}

void sm90_fp8_quantize_expert_weights(int experts, const void* w, fp8::InputType type, int n, int k, uint8_t* codes,
                                      float* scales, uint8_t* codes_t, float* scales_t, cudaStream_t stream) {
  const size_t per_scales = fp8::scale_count(ScaleTiling::kBlock128x128, n, k);
  const size_t per_scales_t = fp8::scale_count(ScaleTiling::kBlock128x128, k, n);
  for (int e = 0; e < experts; ++e) {
    const void* we = static_cast<const char*>(w) + size_t(e) * n * k * element_bytes(type);
    fp8::sm90_fp8_quantize_blocks({we, type, n, k}, codes + size_t(e) * n * k, scales + e * per_scales,
                                  codes_t ? codes_t + size_t(e) * n * k : nullptr,
                                  codes_t ? scales_t + e * per_scales_t : nullptr, stream);
  }
}

std::vector<fp8::Fp8GemmArgs> grouped_fp8_problems(ExpertGemm gemm, std::span<const int> offsets, int n, int k,
                                                   Fp8Grouped a, Fp8Grouped b, void* d) {
  std::vector<fp8::Fp8GemmArgs> problems;
  for (size_t e = 0; e + 1 < offsets.size(); ++e) {
    const int m = segment_rows(offsets, e), r0 = offsets[e];
    if (m == 0) continue;
    switch (gemm) {
      case ExpertGemm::kFprop:  // A = x rows (1x128), B = W_e (128x128)
        problems.push_back({m, n, k, a.codes + size_t(r0) * k, a.scales + size_t(r0) * fp8::k_blocks(k),
                            b.codes + e * size_t(n) * k, b.scales + e * fp8::scale_count(ScaleTiling::kBlock128x128, n, k),
                            ScaleTiling::kBlock128x128, static_cast<__nv_bfloat16*>(d) + size_t(r0) * n,
                            fp8::OutputType::kBF16});
        break;
      case ExpertGemm::kDgrad:  // A = dy rows (1x128), B = W_e^T (128x128, transposed blocks)
        problems.push_back({m, k, n, a.codes + size_t(r0) * n, a.scales + size_t(r0) * fp8::k_blocks(n),
                            b.codes + e * size_t(n) * k, b.scales + e * fp8::scale_count(ScaleTiling::kBlock128x128, k, n),
                            ScaleTiling::kBlock128x128, static_cast<__nv_bfloat16*>(d) + size_t(r0) * k,
                            fp8::OutputType::kBF16});
        break;
      case ExpertGemm::kWgrad:  // A = dy_e^T (128x1 of dy), B = x_e^T (128x1 of x), reduction over the rows
        problems.push_back({n, k, m, a.codes + size_t(n) * r0, a.scales + size_t(n) * (r0 / fp8::kScaleTile),
                            b.codes + size_t(k) * r0, b.scales + size_t(k) * (r0 / fp8::kScaleTile), ScaleTiling::kRow1x128,
                            static_cast<float*>(d) + e * size_t(n) * k, fp8::OutputType::kFP32});
        break;
    }
  }
  return problems;
}

namespace {
void launch_all(const std::vector<fp8::Fp8GemmArgs>& problems, fp8::GemmVariant variant, cudaStream_t stream) {
  for (const fp8::Fp8GemmArgs& args : problems) fp8::sm90_fp8_gemm(args, variant, stream);
}
}  // namespace

void sm90_fp8_grouped_gemm_fprop(std::span<const int> offsets, int n, int k, Fp8Grouped x, Fp8Grouped w,
                                 __nv_bfloat16* y, fp8::GemmVariant variant, cudaStream_t stream) {
  launch_all(grouped_fp8_problems(ExpertGemm::kFprop, offsets, n, k, x, w, y), variant, stream);
}

void sm90_fp8_grouped_gemm_dgrad(std::span<const int> offsets, int n, int k, Fp8Grouped dy, Fp8Grouped wt,
                                 __nv_bfloat16* dx, fp8::GemmVariant variant, cudaStream_t stream) {
  launch_all(grouped_fp8_problems(ExpertGemm::kDgrad, offsets, n, k, dy, wt, dx), variant, stream);
}

void sm90_fp8_grouped_gemm_wgrad(std::span<const int> offsets, int n, int k, Fp8Grouped dyt, Fp8Grouped xt, float* dw,
                                 fp8::GemmVariant variant, cudaStream_t stream) {
  for (size_t e = 0; e + 1 < offsets.size(); ++e)
    if (segment_rows(offsets, e) == 0)
      TS_CUDA_CHECK(cudaMemsetAsync(dw + e * size_t(n) * k, 0, size_t(n) * k * sizeof(float), stream));
  launch_all(grouped_fp8_problems(ExpertGemm::kWgrad, offsets, n, k, dyt, xt, dw), variant, stream);
}

void sm90_fp8_grouped_swiglu_quantize(std::span<const int> offsets, const __nv_bfloat16* h, int inter, float* act_scratch,
                                      uint8_t* codes, float* scales, cudaStream_t stream) {
  const int rows = offsets.back();
  if (rows == 0) return;
  swiglu_kernel<<<1024, 256, 0, stream>>>(h, rows, inter, act_scratch);
  TS_CUDA_CHECK_LAUNCH();
  sm90_fp8_quantize_grouped_rows(offsets, act_scratch, fp8::InputType::kFP32, inter, codes, scales, stream);
}

}  // namespace trainsim::kernels
