// KernelKinds: which op kind a profiled GPU kernel is, from its name (a table of name patterns, one row per
// library: DeepGEMM, cuBLAS, CUTLASS, FlashAttention, Triton, NCCL, DeepEP, PyTorch's ATen, ...) and, where
// the name cannot tell, from the CPU op and annotation that launched it or the kernel that follows it.
#pragma once
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hardware/kernel_family.h"
#include "hardware/kineto_trace.h"
#include "models/compute_kind.h"

namespace trainsim::hw {

// The communication a kernel carries out; the parallelism dimension it serves.
enum class CommunicationKind { kEpDispatch, kEpCombine, kTp, kPp, kDp };
std::string_view communication_kind_name(CommunicationKind kind);  // "ep_dispatch", "ep_combine", "tp", "pp", "dp"

// What a kernel is: compute of one models::ComputeKind, communication, or a plain copy or memset.
struct KernelKind {
  enum class Family { kCompute, kCommunication, kCopy };
  Family family = Family::kCompute;
  models::ComputeKind compute = models::ComputeKind::kNormElementwise;  // family kCompute
  CommunicationKind communication = CommunicationKind::kTp;             // family kCommunication

  friend bool operator==(const KernelKind&, const KernelKind&) = default;
};
KernelKind compute_kernel(models::ComputeKind kind);
KernelKind communication_kernel(CommunicationKind kind);
KernelKind copy_kernel();
// "attention_core", ..., "ep_dispatch", ..., "memcpy_memset": stable keys for tables and JSON.
std::string_view kernel_kind_name(const KernelKind& kind);

// How a table row places the kernels it matches.
enum class KernelRule {
  kFixed,           // the row's kind
  kGemmByContext,   // a dense GEMM: router, projection or MLP by the CPU ops and annotations around its launch
  kEpByNextKernel,  // a DeepEP notify kernel: the kind of the next DeepEP dispatch/combine on its stream
  kNcclByName,      // NCCL: SendRecv is pp; AllToAll is ep by context; other collectives tp, or dp by context
};

// One row: a kernel whose name contains `pattern` (case-sensitive) is placed by `rule`. First match wins.
struct KernelPattern {
  std::string_view pattern;
  KernelRule rule;
  KernelKind kind;           // kFixed only
  std::string_view library;  // which library writes such kernels, for the report
};
std::span<const KernelPattern> kernel_patterns();

// A kernel's placement, or why it has none.
struct KernelPlacement {
  std::optional<KernelKind> kind;
  std::string_view library;  // of the matching row; empty when no row matched
  std::string unplaced_reason;
};

// Places every kernel of the trace (same order as trace.kernels).
std::vector<KernelPlacement> place_kernels(const KinetoTrace& trace);

// The kernel family (kernel_family.h) of a placed kernel, the rule beside the table (kernel_kinds.cc):
// - GEMMs (the table's GEMM rows) by the dtype their name gives: an FP8 GEMM is fp8_weight_gemm when its name
//   says it accumulates into FP32 main gradients (DeepSeek's `fp8_dptp128c_acc`) or is k-grouped (DeepGEMM's
//   expert Wgrad), or when the innermost annotation is a weight-gradient block ("mlp(W)"), else fp8_gemm;
//   a BF16 GEMM (cuBLAS `sm90_xmma_gemm_bf16...`) is bf16_gemm; a GEMM whose name gives no dtype has none;
// - flash attention: attention_backward for the backward kernel and its Preprocess and PostprocessConvertdQ
//   kernels, attention_forward otherwise;
// - every other compute kernel (norms, FP8 casts and transposes, element-wise, permutes, top-k, a grouped
//   GEMM's TMA-descriptor fill) memory_bound;
// - communication, copies and unplaced kernels: none.
std::optional<KernelFamily> kernel_family(const GpuKernel& kernel, const KernelPlacement& placement);

}  // namespace trainsim::hw
