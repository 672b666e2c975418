// The kernel-name table, the placement rules for names that cannot tell, and the kernel -> family rule
// (kernel_kinds.h). Names were read off the DeepSeek-V3 H800 trace (hardware/calibration/traces/) and the
// public sources of each library; a new library is one more row. Rows are tried in order, so specific rows
// come before general ones.
#include "hardware/kernel_kinds.h"

#include <array>

#include "core/error.h"

namespace trainsim::hw {
namespace {

using models::ComputeKind;

constexpr KernelKind compute(ComputeKind kind) { return {KernelKind::Family::kCompute, kind, CommunicationKind::kTp}; }
constexpr KernelKind communication(CommunicationKind kind) {
  return {KernelKind::Family::kCommunication, ComputeKind::kNormElementwise, kind};
}
constexpr KernelKind copy() { return {KernelKind::Family::kCopy, ComputeKind::kNormElementwise, CommunicationKind::kTp}; }
constexpr KernelKind kNone{};  // rows placed by a rule rather than a fixed kind

constexpr KernelPattern fixed(std::string_view pattern, KernelKind kind, std::string_view library) {
  return {pattern, KernelRule::kFixed, kind, library};
}
constexpr KernelPattern by(std::string_view pattern, KernelRule rule, std::string_view library) {
  return {pattern, rule, kNone, library};
}

constexpr auto kPatterns = std::to_array<KernelPattern>({
    // DeepEP's all-to-all: public deep_ep:: and DeepSeek's internal dpsk::ep:: namespaces, same kernel names.
    fixed("ep::intranode::cached_notify_dispatch", communication(CommunicationKind::kEpDispatch), "DeepEP intranode"),
    fixed("ep::intranode::cached_notify_combine", communication(CommunicationKind::kEpCombine), "DeepEP intranode"),
    fixed("ep::intranode::notify_dispatch", communication(CommunicationKind::kEpDispatch), "DeepEP intranode"),
    fixed("ep::internode::notify_dispatch", communication(CommunicationKind::kEpDispatch), "DeepEP internode"),
    // The internode cached_notify readies the buffers of whichever transfer follows it on the stream.
    by("ep::internode::cached_notify", KernelRule::kEpByNextKernel, "DeepEP internode"),
    fixed("ep::intranode::dispatch", communication(CommunicationKind::kEpDispatch), "DeepEP intranode"),
    fixed("ep::internode::dispatch", communication(CommunicationKind::kEpDispatch), "DeepEP internode"),
    fixed("ep::internode_ll::dispatch", communication(CommunicationKind::kEpDispatch), "DeepEP low-latency"),
    fixed("ep::intranode::combine", communication(CommunicationKind::kEpCombine), "DeepEP intranode"),
    fixed("ep::internode::combine", communication(CommunicationKind::kEpCombine), "DeepEP internode"),
    fixed("ep::internode_ll::combine", communication(CommunicationKind::kEpCombine), "DeepEP low-latency"),
    fixed("get_dispatch_layout", communication(CommunicationKind::kEpDispatch), "DeepEP layout"),
    // NCCL: ncclDevKernel_AllReduce_Sum_bf16_RING_LL, ncclKernel_SendRecv, ...
    by("nccl", KernelRule::kNcclByName, "NCCL"),

    // FlashAttention 2 and 3 (namespace flash: compute_attn_ws, FlashAttnBwd and its pre/post-processing),
    // cuDNN's and TransformerEngine's fused attention.
    fixed("flash::", compute(ComputeKind::kAttentionCore), "FlashAttention"),
    fixed("flash_fwd", compute(ComputeKind::kAttentionCore), "FlashAttention 2"),
    fixed("flash_bwd", compute(ComputeKind::kAttentionCore), "FlashAttention 2"),
    fixed("fmha", compute(ComputeKind::kAttentionCore), "cuDNN / TransformerEngine fused attention"),
    fixed("sdpa", compute(ComputeKind::kAttentionCore), "cuDNN SDPA"),

    // DeepGEMM: grouped GEMMs are the routed experts (m-grouped contiguous or masked for forward and dgrad,
    // k-grouped for wgrad); DeepSeek's internal build names them dpsk::grouped_gemm::cuda::m_grouped_*.
    fixed("m_grouped", compute(ComputeKind::kExpertGemm), "DeepGEMM grouped GEMM"),
    fixed("k_grouped", compute(ComputeKind::kExpertGemm), "DeepGEMM grouped GEMM"),
    fixed("GemmType::Grouped", compute(ComputeKind::kExpertGemm), "DeepGEMM grouped GEMM"),
    fixed("fill_tensormaps_kernel", compute(ComputeKind::kExpertGemm), "DeepGEMM (TMA descriptors of a grouped GEMM)"),
    // Transposes the FP8 operand or its scales into the TMA-aligned layout the FP8 GEMM reads.
    fixed("grouped_gemm::cuda::utils::transpose", compute(ComputeKind::kQuantize), "DeepGEMM utils"),
    // Dense FP8 GEMMs (fp8_ptp128c forward and dgrad, fp8_dptp128c_acc wgrad into FP32 main grads).
    by("dpsk::grouped_gemm", KernelRule::kGemmByContext, "DeepGEMM dense FP8 GEMM"),
    by("deep_gemm", KernelRule::kGemmByContext, "DeepGEMM dense FP8 GEMM"),
    // TorchInductor's GEMM templates, ahead of its other kernels.
    by("triton_tem_", KernelRule::kGemmByContext, "Triton (TorchInductor GEMM template)"),
    by("xmma_gemm", KernelRule::kGemmByContext, "cuBLAS"),
    by("nvjet", KernelRule::kGemmByContext, "cuBLAS / cuBLASLt"),
    by("cublas", KernelRule::kGemmByContext, "cuBLAS"),
    by("cutlass::gemm", KernelRule::kGemmByContext, "CUTLASS"),
    by("cutlass_", KernelRule::kGemmByContext, "CUTLASS"),

    // Fused SwiGLU kernels that also cast their output to FP8 count as the SwiGLU (the op they implement).
    fixed("swiglu", compute(ComputeKind::kNormElementwise), "DeepSeek SwiGLU kernels"),
    // FP8 quantization: per-token (1x128) and per-block casts, the transposed re-casts Wgrad needs, cast-backs.
    fixed("cast_to_fp8", compute(ComputeKind::kQuantize), "DeepSeek FP8 casts"),
    fixed("cast_and_transpose", compute(ComputeKind::kQuantize), "DeepSeek FP8 casts"),
    fixed("cast_back", compute(ComputeKind::kQuantize), "DeepSeek FP8 casts"),
    fixed("batched_transpose", compute(ComputeKind::kQuantize), "DeepSeek FP8 transposes"),
    fixed("cast_transpose", compute(ComputeKind::kQuantize), "TransformerEngine FP8 casts"),
    fixed("quantize", compute(ComputeKind::kQuantize), "FP8 quantization kernels"),

    // MoE permute: expert-order index maps, the gather into expert order (with FP8 scales), the weighted sum back.
    fixed("get_fused_mapping", compute(ComputeKind::kPermute), "DeepSeek MoE permute"),
    fixed("clean_and_count_expert", compute(ComputeKind::kPermute), "DeepSeek MoE permute"),
    fixed("expand_to_fused", compute(ComputeKind::kPermute), "DeepSeek MoE permute"),
    fixed("reduce_fused", compute(ComputeKind::kPermute), "DeepSeek MoE permute"),
    fixed("moe_permute", compute(ComputeKind::kPermute), "TransformerEngine / Megatron MoE permute"),
    fixed("moe_unpermute", compute(ComputeKind::kPermute), "TransformerEngine / Megatron MoE permute"),

    // Router: top-k (ATen's sbtopk, DeepSeek's node-limited group top-k), group indices, the aux-loss statistic.
    fixed("topk", compute(ComputeKind::kRouter), "DeepSeek group top-k"),
    fixed("TopK", compute(ComputeKind::kRouter), "ATen top-k (sbtopk::gatherTopK)"),
    fixed("unique_group_indices", compute(ComputeKind::kRouter), "DeepSeek node-limited routing"),
    fixed("aux_fi", compute(ComputeKind::kRouter), "DeepSeek balance-loss statistic"),

    // Loss, embedding, optimizer ahead of ATen's catch-all.
    fixed("cross_entropy", compute(ComputeKind::kEmbeddingHead), "loss"),
    fixed("nll_loss", compute(ComputeKind::kEmbeddingHead), "ATen loss"),
    fixed("log_softmax", compute(ComputeKind::kEmbeddingHead), "ATen loss"),
    fixed("embedding", compute(ComputeKind::kEmbeddingHead), "ATen embedding"),
    fixed("indexSelect", compute(ComputeKind::kEmbeddingHead), "ATen embedding lookup"),
    fixed("multi_tensor_apply", compute(ComputeKind::kOptimizer), "ATen / Apex fused optimizer"),
    fixed("adam", compute(ComputeKind::kOptimizer), "fused Adam"),
    fixed("Adam", compute(ComputeKind::kOptimizer), "fused Adam"),

    // Norms (flash-attn's layer_norm ops serve DeepSeek's RMSNorm), RoPE, softmax, copies, element-wise.
    fixed("layer_norm", compute(ComputeKind::kNormElementwise), "flash-attn layer_norm"),
    fixed("rms_norm", compute(ComputeKind::kNormElementwise), "RMSNorm kernels"),
    fixed("rmsnorm", compute(ComputeKind::kNormElementwise), "RMSNorm kernels"),
    fixed("rotary", compute(ComputeKind::kNormElementwise), "RoPE kernels"),
    fixed("softmax", compute(ComputeKind::kNormElementwise), "softmax kernels"),
    fixed("_copy_tensor_kernel", compute(ComputeKind::kNormElementwise), "DeepSeek copies assembling MLA heads"),
    fixed("triton_", compute(ComputeKind::kNormElementwise), "Triton (TorchInductor fused element-wise/reduction)"),
    fixed("at::native::", compute(ComputeKind::kNormElementwise), "PyTorch ATen element-wise, reductions, fills"),
    fixed("_ZN2at6native", compute(ComputeKind::kNormElementwise), "PyTorch ATen (mangled name)"),
    fixed("elementwise", compute(ComputeKind::kNormElementwise), "element-wise kernels"),
    fixed("Memcpy", copy(), "CUDA memcpy"),
    fixed("Memset", copy(), "CUDA memset"),
});

// Words in a CPU op's or annotation's name that say which block a dense GEMM serves, tried innermost first.
// Router words before MoE words: DeepSeek's gate runs under "MatmulToFP32" (FP32 router logits).
struct ContextWords {
  ComputeKind kind;
  std::array<std::string_view, 6> words;
};
constexpr std::array<ContextWords, 4> kGemmContext{{
    {ComputeKind::kRouter, {"MatmulToFP32", "router", "Router", "MoEGate", "moe_gate", ""}},
    {ComputeKind::kEmbeddingHead, {"lm_head", "output_layer", "logits", "", "", ""}},
    {ComputeKind::kProjection, {"attn", "Attn", "attention", "Attention", "o_proj", "qkv"}},
    {ComputeKind::kMlpGemm, {"mlp", "MLP", "moe", "MoE", "ffn", "expert"}},
}};

std::optional<ComputeKind> kind_from_words(std::string_view name) {
  for (const ContextWords& c : kGemmContext)
    for (std::string_view w : c.words)
      if (!w.empty() && name.find(w) != std::string_view::npos) return c.kind;
  return std::nullopt;
}

// A dense GEMM's role from the innermost CPU op, then annotation, that names a block. NOTE: DeepSeek's trace
// launches the routed experts' weight gradients as per-expert dense GEMMs (fp8_dptp128c_acc) inside
// "mlp(W)", with the shared expert's: neither name, grid (same weight shapes) nor CPU op sets them apart, so
// both count as mlp_gemm; only the forward and dgrad expert GEMMs (m_grouped) are expert_gemm.
std::optional<ComputeKind> gemm_role(const GpuKernel& k) {
  for (auto it = k.cpu_ops.rbegin(); it != k.cpu_ops.rend(); ++it)
    if (auto kind = kind_from_words(*it)) return kind;
  for (auto it = k.annotations.rbegin(); it != k.annotations.rend(); ++it)
    if (auto kind = kind_from_words(*it)) return kind;
  return std::nullopt;
}

bool context_has(const GpuKernel& k, std::initializer_list<std::string_view> words) {
  auto has = [&](const std::string& s) {
    for (std::string_view w : words)
      if (s.find(w) != std::string::npos) return true;
    return false;
  };
  for (const std::string& s : k.cpu_ops)
    if (has(s)) return true;
  for (const std::string& s : k.annotations)
    if (has(s)) return true;
  return false;
}

// NCCL kernels name their collective; which parallelism it serves comes from the context.
KernelPlacement place_nccl(const GpuKernel& k, std::string_view library) {
  const std::string& n = k.name;
  if (n.find("SendRecv") != std::string::npos || n.find("_Send") != std::string::npos ||
      n.find("_Recv") != std::string::npos)
    return {communication_kernel(CommunicationKind::kPp), library, ""};
  if (n.find("AllToAll") != std::string::npos) {
    if (context_has(k, {"dispatch"})) return {communication_kernel(CommunicationKind::kEpDispatch), library, ""};
    if (context_has(k, {"combine"})) return {communication_kernel(CommunicationKind::kEpCombine), library, ""};
    return {std::nullopt, library, "NCCL all-to-all launched outside any dispatch or combine op"};
  }
  // Gradient synchronization runs under DDP's reducer or the optimizer; a collective inside the layers is TP.
  if (context_has(k, {"DistributedDataParallel", "reducer", "optimizer", "Optimizer", "grad_sync", "reduce_grads"}))
    return {communication_kernel(CommunicationKind::kDp), library, ""};
  return {communication_kernel(CommunicationKind::kTp), library, ""};
}

// GEMM kernels by the words of their names, for kernel_family (kernel_kinds.h); first match wins. Only kernels
// a GEMM row of kPatterns placed are looked up here, so "fp8" cannot catch an FP8 cast.
struct GemmFamilyWords {
  std::string_view word;
  std::optional<KernelFamily> family;  // none: not a GEMM after all
};
constexpr GemmFamilyWords kGemmFamilies[] = {
    {"fill_tensormaps", KernelFamily::kMemoryBound},  // DeepGEMM's TMA descriptors for a grouped GEMM: no MMA
    {"_acc", KernelFamily::kFp8WeightGemm},           // fp8_dptp128c_acc: Wgrad into FP32 main grads
    {"k_grouped", KernelFamily::kFp8WeightGemm},      // DeepGEMM's k-grouped GEMM: the experts' Wgrad
    {"fp8", KernelFamily::kFp8Gemm},                  // dpsk fp8_ptp128c, m_grouped_fp8_ptp128c; deep_gemm fp8_gemm
    {"e4m3", KernelFamily::kFp8Gemm},                 // cuBLASLt / CUTLASS FP8 kernels name the type
    {"bf16", KernelFamily::kBf16Gemm},                // cuBLAS sm90_xmma_gemm_bf16bf16_..., bf16f32_...
};

bool is_gemm_kind(models::ComputeKind kind) {
  return kind == ComputeKind::kExpertGemm || kind == ComputeKind::kMlpGemm || kind == ComputeKind::kProjection ||
         kind == ComputeKind::kRouter || kind == ComputeKind::kEmbeddingHead;
}

bool is_ep_transfer(const KernelPlacement& p) {
  return p.kind && p.kind->family == KernelKind::Family::kCommunication &&
         (p.kind->communication == CommunicationKind::kEpDispatch ||
          p.kind->communication == CommunicationKind::kEpCombine);
}

}  // namespace

std::string_view communication_kind_name(CommunicationKind kind) {
  switch (kind) {
    case CommunicationKind::kEpDispatch: return "ep_dispatch";
    case CommunicationKind::kEpCombine: return "ep_combine";
    case CommunicationKind::kTp: return "tp";
    case CommunicationKind::kPp: return "pp";
    case CommunicationKind::kDp: return "dp";
  }
  return "unknown";
}

KernelKind compute_kernel(models::ComputeKind kind) { return compute(kind); }
KernelKind communication_kernel(CommunicationKind kind) { return communication(kind); }
KernelKind copy_kernel() { return copy(); }

std::string_view kernel_kind_name(const KernelKind& kind) {
  switch (kind.family) {
    case KernelKind::Family::kCompute: return models::compute_kind_name(kind.compute);
    case KernelKind::Family::kCommunication: return communication_kind_name(kind.communication);
    case KernelKind::Family::kCopy: return "memcpy_memset";
  }
  return "unknown";
}

std::span<const KernelPattern> kernel_patterns() { return kPatterns; }

std::vector<KernelPlacement> place_kernels(const KinetoTrace& trace) {
  std::vector<KernelPlacement> placements(trace.kernels.size());
  std::vector<size_t> by_next_kernel;
  for (size_t i = 0; i < trace.kernels.size(); ++i) {
    const GpuKernel& k = trace.kernels[i];
    KernelPlacement& p = placements[i];
    if (k.category == "gpu_memcpy" || k.category == "gpu_memset") {
      p = {copy_kernel(), "CUDA memcpy/memset", ""};
      continue;
    }
    const KernelPattern* row = nullptr;
    for (const KernelPattern& r : kPatterns)
      if (k.name.find(r.pattern) != std::string::npos) {
        row = &r;
        break;
      }
    if (!row) {
      p.unplaced_reason = "no row of the kernel table matches its name";
      continue;
    }
    p.library = row->library;
    switch (row->rule) {
      case KernelRule::kFixed: p.kind = row->kind; break;
      case KernelRule::kGemmByContext:
        if (auto role = gemm_role(k)) {
          p.kind = compute(*role);
        } else {
          p.unplaced_reason = "a dense GEMM whose CPU ops and annotations name no attention, MLP, router or head";
        }
        break;
      case KernelRule::kEpByNextKernel: by_next_kernel.push_back(i); break;
      case KernelRule::kNcclByName: p = place_nccl(k, row->library); break;
    }
  }
  // Kernels are in start order: the next DeepEP transfer on the same device and stream decides (notify
  // kernels are not transfers, so one notify never decides another).
  for (size_t i : by_next_kernel) {
    const GpuKernel& k = trace.kernels[i];
    for (size_t j = i + 1; j < trace.kernels.size(); ++j) {
      const GpuKernel& next = trace.kernels[j];
      if (next.device != k.device || next.stream != k.stream || !is_ep_transfer(placements[j])) continue;
      placements[i].kind = placements[j].kind;
      break;
    }
    if (!placements[i].kind) placements[i].unplaced_reason = "a DeepEP notify with no dispatch or combine after it";
  }
  return placements;
}

std::optional<KernelFamily> kernel_family(const GpuKernel& k, const KernelPlacement& p) {
  if (!p.kind || p.kind->family != KernelKind::Family::kCompute) return std::nullopt;
  const std::string& n = k.name;
  if (p.kind->compute == ComputeKind::kAttentionCore)
    return n.find("Bwd") != std::string::npos || n.find("bwd") != std::string::npos ? KernelFamily::kAttentionBackward
                                                                                    : KernelFamily::kAttentionForward;
  if (is_gemm_kind(p.kind->compute)) {
    // Router top-k and loss kernels share those kinds with GEMMs; only a GEMM row's kernels are GEMMs.
    const KernelPattern* row = nullptr;
    for (const KernelPattern& r : kPatterns)
      if (n.find(r.pattern) != std::string::npos) {
        row = &r;
        break;
      }
    const bool gemm_row = row && (row->rule == KernelRule::kGemmByContext || row->kind == compute(ComputeKind::kExpertGemm));
    if (gemm_row) {
      for (const GemmFamilyWords& w : kGemmFamilies) {
        if (n.find(w.word) == std::string::npos) continue;
        const bool weight_block = !k.annotations.empty() && k.annotations.back().ends_with("(W)");
        if (w.family == KernelFamily::kFp8Gemm && weight_block) return KernelFamily::kFp8WeightGemm;
        return w.family;
      }
      return std::nullopt;  // a GEMM whose name gives no dtype
    }
  }
  return KernelFamily::kMemoryBound;
}

}  // namespace trainsim::hw
