// The kernel table: names from each library land on their kind; GEMMs take their role from the CPU op or
// annotation around their launch; DeepEP's notify takes the kind of the transfer after it; the rest is listed.
#include "hardware/kernel_kinds.h"

#include <gtest/gtest.h>

namespace trainsim::hw {
namespace {

using models::ComputeKind;

// Places one kernel launched under the given CPU ops and annotations (outermost first).
std::optional<KernelKind> place(std::string name, std::vector<std::string> cpu_ops = {},
                                std::vector<std::string> annotations = {}) {
  KinetoTrace trace;
  GpuKernel k;
  k.name = std::move(name);
  k.category = "kernel";
  k.cpu_ops = std::move(cpu_ops);
  k.annotations = std::move(annotations);
  trace.kernels.push_back(k);
  return place_kernels(trace).front().kind;
}

TEST(KernelKinds, NamesOfEachLibraryLandOnTheirKind) {
  // Names as the DeepSeek-V3 H800 trace spells them (shortened after the template arguments that matter).
  EXPECT_EQ(place("void flash::compute_attn_ws<Flash_fwd_kernel_traits<192, 128, 128, 12, 2, false, 1>"),
            compute_kernel(ComputeKind::kAttentionCore));
  EXPECT_EQ(place("void cutlass::device_kernel<flash::FlashAttnBwdPreprocess<cute::tuple<cute::C<64>"),
            compute_kernel(ComputeKind::kAttentionCore));
  EXPECT_EQ(place("flash_bwd_dq_dk_dv_loop_seqk_parallel_kernel"), compute_kernel(ComputeKind::kAttentionCore));
  EXPECT_EQ(place("void cutlass::device_kernel<dpsk::grouped_gemm::cuda::m_grouped_fp8_ptp128c::GemmKernel>"),
            compute_kernel(ComputeKind::kExpertGemm));
  EXPECT_EQ(place("void deep_gemm::fp8_gemm_kernel<128u, GemmType::GroupedMasked, 4u>"),
            compute_kernel(ComputeKind::kExpertGemm));
  EXPECT_EQ(place("void cuda::per_token_cast_to_fp8_with_channels<__nv_bfloat16, 128, false, 128, false>"),
            compute_kernel(ComputeKind::kQuantize));
  EXPECT_EQ(place("void cuda::per_channel_cast_and_transpose<256, 128, true, true, true, false, true>"),
            compute_kernel(ComputeKind::kQuantize));
  EXPECT_EQ(place("void cuda::swiglu_and_per_channel_cast_and_transpose<256, 128, false>"),
            compute_kernel(ComputeKind::kNormElementwise));  // the SwiGLU, with its cast fused in
  EXPECT_EQ(place("cuda::expand_to_fused_with_scales_impl(int4 const*, int4*)"), compute_kernel(ComputeKind::kPermute));
  EXPECT_EQ(place("void at::native::sbtopk::gatherTopK<float, unsigned int, 2, false>"),
            compute_kernel(ComputeKind::kRouter));
  EXPECT_EQ(place("void layer_norm::ln_bwd_kernel<layer_norm::Kernel_traits<__nv_bfloat16, 7168u>"),
            compute_kernel(ComputeKind::kNormElementwise));
  EXPECT_EQ(place("triton_poi_fused_add_mul_0"), compute_kernel(ComputeKind::kNormElementwise));
  EXPECT_EQ(place("void at::native::vectorized_elementwise_kernel<4, at::native::FillFunctor<float>>"),
            compute_kernel(ComputeKind::kNormElementwise));
  EXPECT_EQ(place("void at::native::(anonymous namespace)::multi_tensor_apply_kernel<FusedAdamMathFunctor>"),
            compute_kernel(ComputeKind::kOptimizer));
  EXPECT_EQ(place("void dpsk::ep::internode::dispatch<false, 8, false, 8>(int4*, float*)"),
            communication_kernel(CommunicationKind::kEpDispatch));
  EXPECT_EQ(place("void deep_ep::intranode::combine<__nv_bfloat16, 8, 768>(int4*)"),
            communication_kernel(CommunicationKind::kEpCombine));
  EXPECT_EQ(place("Memcpy DtoD (Device -> Device)"), copy_kernel());
}

TEST(KernelKinds, GemmRoleComesFromTheInnermostOpOrAnnotationThatNamesABlock) {
  const std::string dense = "void cutlass::device_kernel<dpsk::grouped_gemm::cuda::fp8_ptp128c::GemmKernel>";
  // LinearWithGradAccumulationFP8 names no block: the annotation decides.
  EXPECT_EQ(place(dense, {"LinearWithGradAccumulationFP8"}, {"1F1B", "attn(F)"}),
            compute_kernel(ComputeKind::kProjection));
  EXPECT_EQ(place(dense, {}, {"1F1B", "mlp(W)"}), compute_kernel(ComputeKind::kMlpGemm));
  // DeepSeek's gate GEMM (FP32 logits) sits in the attention block's annotation but under MatmulToFP32.
  const std::string cublas = "sm90_xmma_gemm_bf16f32_bf16f32_f32_tn_n_tilesize128x128x64_cublas";
  EXPECT_EQ(place(cublas, {"MatmulToFP32"}, {"attn(F)"}), compute_kernel(ComputeKind::kRouter));
  EXPECT_EQ(place("nvjet_hsh_256x128_64x4_2x1_v_bz_coopA_NTN", {"lm_head"}), compute_kernel(ComputeKind::kEmbeddingHead));
  EXPECT_EQ(place(cublas, {"autograd::engine::evaluate_function: MmBackward0"}), std::nullopt);
}

TEST(KernelKinds, NcclCollectivesByNameAndContext) {
  EXPECT_EQ(place("ncclDevKernel_SendRecv(ncclDevKernelArgsStorage<4096ul>)"),
            communication_kernel(CommunicationKind::kPp));
  EXPECT_EQ(place("ncclDevKernel_AllReduce_Sum_bf16_RING_LL(ncclDevKernelArgsStorage<4096ul>)", {"RowParallelLinear"}),
            communication_kernel(CommunicationKind::kTp));
  EXPECT_EQ(place("ncclDevKernel_ReduceScatter_Sum_f32_RING_LL", {"DistributedDataParallel.reducer"}),
            communication_kernel(CommunicationKind::kDp));
  EXPECT_EQ(place("ncclDevKernel_AllToAll", {}, {"dispatch(F)"}), communication_kernel(CommunicationKind::kEpDispatch));
  EXPECT_EQ(place("ncclDevKernel_AllToAll"), std::nullopt);
}

TEST(KernelKinds, DeepEpNotifyTakesTheKindOfTheNextTransferOnItsStream) {
  KinetoTrace trace;
  auto kernel = [&](std::string name, long long stream) {
    GpuKernel k;
    k.name = std::move(name);
    k.category = "kernel";
    k.stream = stream;
    trace.kernels.push_back(k);
  };
  kernel("void dpsk::ep::internode::cached_notify<false>(int)", 27);
  kernel("void dpsk::ep::internode::dispatch<false, 8, true, 8>(int4*)", 7);  // another stream: not it
  kernel("void dpsk::ep::internode::combine<false, 8, __nv_bfloat16>(int4*)", 27);
  kernel("void dpsk::ep::internode::cached_notify<false>(int)", 27);  // nothing follows
  const std::vector<KernelPlacement> p = place_kernels(trace);
  EXPECT_EQ(p[0].kind, communication_kernel(CommunicationKind::kEpCombine));
  EXPECT_FALSE(p[3].kind.has_value());
  EXPECT_NE(p[3].unplaced_reason.find("no dispatch or combine after it"), std::string::npos);
}

TEST(KernelKinds, EveryRowNamesItsLibraryAndPlacesNoKindItCannotName) {
  for (const KernelPattern& row : kernel_patterns()) {
    EXPECT_FALSE(row.library.empty()) << row.pattern;
    EXPECT_FALSE(row.pattern.empty());
    if (row.rule == KernelRule::kFixed) {
      EXPECT_NE(kernel_kind_name(row.kind), "unknown") << row.pattern;
    }
  }
  EXPECT_EQ(place("mystery_kernel"), std::nullopt);
}

}  // namespace
}  // namespace trainsim::hw
