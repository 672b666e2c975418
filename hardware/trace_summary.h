// TraceSummary: a profiled trace's GPU kernel time by op kind and pass, by the block annotation that launched
// it (DualPipe's "attn(F)", "mlp(B)", ...), and the kernels the kernel table could not place.
// Times are kernel time summed: overlapped kernels on different streams each count in full.
#pragma once
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "hardware/kernel_kinds.h"
#include "hardware/kineto_trace.h"
#include "models/op.h"

namespace trainsim::hw {

// F: forward; B: backward, input and weight gradients together (DualPipe's B and W).
enum class TracePass { kForward, kBackward };
std::string_view trace_pass_name(TracePass pass);  // "F", "B"

// A kernel's pass: from the innermost annotation that marks one ("(F)"; "(B)" or "(W)"; "forward";
// "backward"), else backward when a CPU op around its launch is autograd's ("autograd::engine::
// evaluate_function: ...", "...Backward..."), else forward.
TracePass pass_of(const GpuKernel& kernel);

// The block a kernel belongs to: its innermost annotation without the pass marker ("attn(B)" -> "attn");
// "(none)" when no annotation encloses its launch.
std::string block_of(const GpuKernel& kernel);

// The DualPipe block of a MoE layer's catalog op, by its role, named as the trace's annotations name it:
// "attn" (attention, and the router: DeepSeek's trace runs the MoE norm, the BF16 gate GEMM and the top-k in
// attn(F) and attn(B)), "dispatch", "combine", and "mlp" (permute, experts, combine sum).
std::string_view dualpipe_block_of(const models::Op& op);

struct KernelTime {
  double seconds = 0;
  int count = 0;
};

struct UnplacedKernel {
  std::string name;
  std::string reason;
  KernelTime time;
};

struct TraceSummary {
  std::string source;
  std::string device;   // first device's name, with its SM count
  int kernel_count = 0;
  double kernel_seconds = 0;  // all kernels, summed
  double wall_seconds = 0;    // first kernel start to last kernel end
  // Keys are kernel_kind_name()s (and "unplaced"), block names; values per pass.
  std::map<std::string, std::map<TracePass, KernelTime>> by_kind;
  std::map<std::string, std::map<TracePass, KernelTime>> by_block;
  std::map<std::pair<std::string, TracePass>, std::map<std::string, KernelTime>> kinds_by_block;
  std::vector<UnplacedKernel> unplaced;  // one row per distinct name, longest first

  // Kernel time of a kind or block in a pass; 0 where none ran.
  double kind_seconds(std::string_view kind, TracePass pass) const;
  double block_seconds(std::string_view block, TracePass pass) const;
  double kind_in_block_seconds(std::string_view block, TracePass pass, std::string_view kind) const;
};

TraceSummary summarize_trace(const KinetoTrace& trace);

}  // namespace trainsim::hw
