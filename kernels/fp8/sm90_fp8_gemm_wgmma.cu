// Checked on an H200 (2026-12-04, kernels/runs/2026-12-04-h200): every GEMM check passed; 0.62x cuBLASLt (NOTES.md).
// Launch of the WGMMA FP8 GEMM: TMA tensor maps (128B swizzle, zero fill out of bounds) made through the
// runtime's driver entry point (no link to libcuda), the kernel instance for the problem, the grid.
#include <cudaTypedefs.h>

#include <string>

#include "kernels/common/cuda_check.cuh"
#include "kernels/fp8/sm90_fp8_gemm_wgmma.cuh"

namespace trainsim::kernels::fp8 {

namespace {

namespace cfg = wgmma_config;

PFN_cuTensorMapEncodeTiled_v12000 tensor_map_encoder() {
  static PFN_cuTensorMapEncodeTiled_v12000 encode = [] {
    void* fn = nullptr;
    cudaDriverEntryPointQueryResult found{};
    TS_CUDA_CHECK(cudaGetDriverEntryPointByVersion("cuTensorMapEncodeTiled", &fn, 12000, cudaEnableDefault, &found));
    if (found != cudaDriverEntryPointSuccess || fn == nullptr)
      throw std::runtime_error("cuTensorMapEncodeTiled not found in the driver (HINT: a driver for CUDA 12+ is needed)");
    return reinterpret_cast<PFN_cuTensorMapEncodeTiled_v12000>(fn);
  }();
  return encode;
}

// A rows x k E4M3 matrix, K-major, read in boxes of box_rows x 128 bytes, swizzled 128B for WGMMA.
CUtensorMap kmajor_tensor_map(const uint8_t* base, int rows, int k, int box_rows) {
  CUtensorMap map{};
  const cuuint64_t dims[2] = {static_cast<cuuint64_t>(k), static_cast<cuuint64_t>(rows)};
  const cuuint64_t strides[1] = {static_cast<cuuint64_t>(k)};  // bytes between rows; k % 16 == 0 (validate)
  const cuuint32_t box[2] = {static_cast<cuuint32_t>(cfg::kBlockK), static_cast<cuuint32_t>(box_rows)};
  const cuuint32_t element_strides[2] = {1, 1};
  const CUresult result = tensor_map_encoder()(
      &map, CU_TENSOR_MAP_DATA_TYPE_UINT8, 2, const_cast<uint8_t*>(base), dims, strides, box, element_strides,
      CU_TENSOR_MAP_INTERLEAVE_NONE, CU_TENSOR_MAP_SWIZZLE_128B, CU_TENSOR_MAP_L2_PROMOTION_L2_256B,
      CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
  if (result != CUDA_SUCCESS)
    throw std::runtime_error("cuTensorMapEncodeTiled failed with CUresult " + std::to_string(result) +
                             " (HINT: the base must be 16-byte aligned and k a multiple of 16)");
  return map;
}

template <bool kPromote, bool kBlockScaledB, typename OutT>
void launch(const CUtensorMap& tmap_a, const CUtensorMap& tmap_b, const wgmma_detail::Problem& problem,
            cudaStream_t stream) {
  auto* kernel = &wgmma_detail::wgmma_gemm_kernel<kPromote, kBlockScaledB, OutT>;
  // NOTE: once per instance and device-wide; the benchmark's launches should not pay for it.
  static const bool raised = [&] {
    TS_CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, cfg::kSharedBytes));
    return true;
  }();
  (void)raised;
  const dim3 grid(static_cast<unsigned>(ceil_div(problem.n, cfg::kBlockN) * ceil_div(problem.m, cfg::kBlockM)));
  kernel<<<grid, cfg::kThreads, cfg::kSharedBytes, stream>>>(tmap_a, tmap_b, problem);
  TS_CUDA_CHECK_LAUNCH();
}

template <bool kPromote>
void launch_for_scales(const Fp8GemmArgs& args, const CUtensorMap& ta, const CUtensorMap& tb,
                       const wgmma_detail::Problem& problem, cudaStream_t stream) {
  const bool block_b = args.b_tiling == ScaleTiling::kBlock128x128;
  const bool bf16 = args.d_type == OutputType::kBF16;
  if (block_b && bf16) launch<kPromote, true, __nv_bfloat16>(ta, tb, problem, stream);
  if (block_b && !bf16) launch<kPromote, true, float>(ta, tb, problem, stream);
  if (!block_b && bf16) launch<kPromote, false, __nv_bfloat16>(ta, tb, problem, stream);
  if (!block_b && !bf16) launch<kPromote, false, float>(ta, tb, problem, stream);
}

}  // namespace

void detail::launch_wgmma_gemm(const Fp8GemmArgs& args, bool promote, cudaStream_t stream) {
  const CUtensorMap tmap_a = kmajor_tensor_map(args.a, args.m, args.k, cfg::kBlockM);
  const CUtensorMap tmap_b = kmajor_tensor_map(args.b, args.n, args.k, cfg::kBlockN);
  const wgmma_detail::Problem problem{args.m, args.n, args.k, args.a_scales, args.b_scales, args.d};
  if (promote) {
    launch_for_scales<true>(args, tmap_a, tmap_b, problem, stream);
  } else {
    launch_for_scales<false>(args, tmap_a, tmap_b, problem, stream);
  }
}

}  // namespace trainsim::kernels::fp8
