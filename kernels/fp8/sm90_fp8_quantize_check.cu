// Check of the device quantizers against quantize_ref.cc: fresh random inputs (FP32 and BF16), ragged shapes,
// poisoned outputs; codes and scales must match bit for bit. No GoogleTest: runs on the GPU machine alone.
#include <cuda_bf16.h>

#include <cstdio>
#include <string>
#include <vector>

#include "kernels/common/device_info.cuh"
#include "kernels/common/random_fill.h"
#include "kernels/fp8/e4m3.h"
#include "kernels/fp8/gpu_harness.cuh"
#include "kernels/fp8/sm90_fp8_quantize.h"
#include "kernels/common/driver_args.h"

namespace fp8 = trainsim::kernels::fp8;
using fp8::DeviceBuffer;

namespace {

int failures = 0;

// Compares the meaningful entries (padding of block-scale rows is never written).
void expect_equal(const std::string& what, const fp8::QuantizedMatrix& ref, const std::vector<uint8_t>& codes,
                  const std::vector<float>& scales) {
  size_t bad_codes = 0, bad_scales = 0;
  for (size_t i = 0; i < ref.codes.size(); ++i) bad_codes += ref.codes[i] != codes[i];
  for (int r = 0; r < ref.rows; ++r)
    for (int c = 0; c < ref.cols; c += fp8::kScaleTile) {
      const int at = fp8::scale_index(ref.tiling, ref.rows, ref.cols, r, c);
      bad_scales += !(ref.scales[at] == scales[at]);
    }
  const bool ok = bad_codes == 0 && bad_scales == 0;
  failures += !ok;
  std::printf("%-4s quantize %-44s codes %zu/%zu differ, scales %zu differ\n", ok ? "PASS" : "FAIL", what.c_str(),
              bad_codes, ref.codes.size(), bad_scales);
}

void check_shape(int rows, int cols, bool bf16, bool pow2, uint64_t seed) {
  std::vector<float> x(static_cast<size_t>(rows) * cols);
  trainsim::kernels::fill_normal(x, seed, 2.0f);
  for (size_t i = 0; i < x.size(); i += 97) x[i] *= 300.0f;  // outliers, so tiles differ in scale
  if (bf16)
    for (float& v : x) v = fp8::round_to_bf16(v);  // the values the device will read
  DeviceBuffer<float> x_f32(x);
  std::vector<__nv_bfloat16> xb(x.size());
  for (size_t i = 0; i < x.size(); ++i) xb[i] = __float2bfloat16(x[i]);
  DeviceBuffer<__nv_bfloat16> x_bf16(xb);
  const fp8::QuantizeInput in{bf16 ? static_cast<const void*>(x_bf16.get()) : x_f32.get(),
                              bf16 ? fp8::InputType::kBF16 : fp8::InputType::kFP32, rows, cols, pow2};
  const std::string tag = std::to_string(rows) + "x" + std::to_string(cols) + (bf16 ? " bf16" : " fp32") + (pow2 ? " pow2" : "");
  const size_t n = x.size();

  DeviceBuffer<uint8_t> codes(n), codes_t(n);
  DeviceBuffer<float> scales(fp8::scale_count(fp8::ScaleTiling::kRow1x128, rows, cols));
  codes.poison();
  scales.poison();
  fp8::sm90_fp8_quantize_rows(in, codes.get(), scales.get(), nullptr);
  TS_CUDA_CHECK(cudaDeviceSynchronize());
  expect_equal("1x128 " + tag, fp8::quantize_ref(x, rows, cols, fp8::ScaleTiling::kRow1x128, pow2), codes.download(),
               scales.download());

  DeviceBuffer<float> scales_t(fp8::scale_count(fp8::ScaleTiling::kRow1x128, cols, rows));
  codes_t.poison();
  scales_t.poison();
  fp8::sm90_fp8_quantize_rows_transposed(in, codes_t.get(), scales_t.get(), nullptr);
  TS_CUDA_CHECK(cudaDeviceSynchronize());
  expect_equal("128x1 (transposed) " + tag,
               fp8::quantize_transposed_ref(x, rows, cols, fp8::ScaleTiling::kRow1x128, pow2), codes_t.download(),
               scales_t.download());

  DeviceBuffer<float> bscales(fp8::scale_count(fp8::ScaleTiling::kBlock128x128, rows, cols));
  DeviceBuffer<float> bscales_t(fp8::scale_count(fp8::ScaleTiling::kBlock128x128, cols, rows));
  for (auto* b : {&codes, &codes_t}) b->poison();
  bscales.poison();
  bscales_t.poison();
  fp8::sm90_fp8_quantize_blocks(in, codes.get(), bscales.get(), codes_t.get(), bscales_t.get(), nullptr);
  TS_CUDA_CHECK(cudaDeviceSynchronize());
  const auto block_ref = fp8::quantize_ref(x, rows, cols, fp8::ScaleTiling::kBlock128x128, pow2);
  expect_equal("128x128 " + tag, block_ref, codes.download(), bscales.download());
  expect_equal("128x128 transposed " + tag,
               fp8::quantize_transposed_ref(x, rows, cols, fp8::ScaleTiling::kBlock128x128, pow2), codes_t.download(),
               bscales_t.download());

  DeviceBuffer<float> deq(n);
  deq.poison();
  fp8::sm90_fp8_dequantize(codes.get(), bscales.get(), fp8::ScaleTiling::kBlock128x128, rows, cols, deq.get(), nullptr);
  TS_CUDA_CHECK(cudaDeviceSynchronize());
  const auto got = deq.download(), want = fp8::dequantize_ref(block_ref);
  size_t bad = 0;
  for (size_t i = 0; i < n; ++i) bad += !(got[i] == want[i]);
  failures += bad != 0;
  std::printf("%-4s dequantize 128x128 %-35s %zu/%zu differ\n", bad ? "FAIL" : "PASS", tag.c_str(), bad, n);
}

}  // namespace

int main(int argc, char** argv) {
  if (!fp8::has_cuda_device()) {
    std::printf("SKIP: no CUDA device\n");
    return fp8::kSkipExitCode;
  }
  try {
    const bool quick = trainsim::kernels::parse_driver_args(argc, argv).quick;
    std::printf("device: %s\n", trainsim::kernels::describe(trainsim::kernels::query_device()).c_str());
    uint64_t seed = 1000;
    for (bool bf16 : {false, true})
      for (bool pow2 : {false, true}) {
        check_shape(256, 512, bf16, pow2, ++seed);
        check_shape(333, 576, bf16, pow2, ++seed);   // ragged rows, 4.5 blocks of K
        if (!quick) check_shape(4096, 2112, bf16, pow2, ++seed);  // tokens x fused q_a/kv_a output
      }
    std::printf("%s: %d failure(s)\n", failures ? "FAIL" : "PASS", failures);
    return failures ? 1 : 0;
  } catch (const std::exception& e) {
    std::printf("trainsim: error: %s\n", e.what());
    return 1;
  }
}
