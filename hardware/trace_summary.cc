// Summing a trace's kernels by kind, pass and block (trace_summary.h).
#include "hardware/trace_summary.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <optional>

namespace trainsim::hw {
namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool contains_lower(std::string_view s, std::string_view lower_word) {
  std::string lower(s);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower.find(lower_word) != std::string::npos;
}

// DualPipe's annotations end in "(F)", "(B)" (input gradients) or "(W)" (weight gradients).
std::optional<TracePass> pass_marked_by(std::string_view annotation) {
  if (ends_with(annotation, "(F)")) return TracePass::kForward;
  if (ends_with(annotation, "(B)") || ends_with(annotation, "(W)")) return TracePass::kBackward;
  if (contains_lower(annotation, "backward")) return TracePass::kBackward;
  if (contains_lower(annotation, "forward")) return TracePass::kForward;
  return std::nullopt;
}

void add(KernelTime& t, double seconds) {
  t.seconds += seconds;
  t.count += 1;
}

double lookup(const std::map<std::string, std::map<TracePass, KernelTime>>& m, std::string_view key, TracePass pass) {
  auto it = m.find(std::string(key));
  if (it == m.end()) return 0;
  auto p = it->second.find(pass);
  return p == it->second.end() ? 0 : p->second.seconds;
}

}  // namespace

std::string_view trace_pass_name(TracePass pass) { return pass == TracePass::kForward ? "F" : "B"; }

TracePass pass_of(const GpuKernel& kernel) {
  for (auto it = kernel.annotations.rbegin(); it != kernel.annotations.rend(); ++it)
    if (auto pass = pass_marked_by(*it)) return *pass;
  for (const std::string& op : kernel.cpu_ops)
    if (op.starts_with("autograd::engine::evaluate_function") || op.find("Backward") != std::string::npos)
      return TracePass::kBackward;
  return TracePass::kForward;
}

std::string block_of(const GpuKernel& kernel) {
  if (kernel.annotations.empty()) return "(none)";
  std::string name = kernel.annotations.back();
  for (std::string_view marker : {"(F)", "(B)", "(W)"})
    if (ends_with(name, marker)) name.resize(name.size() - marker.size());
  return name;
}

std::string_view dualpipe_block_of(const models::Op& op) {
  switch (op.role) {
    case models::OpRole::kAttentionCp:
    case models::OpRole::kAttention:
    case models::OpRole::kAttentionTp:
    case models::OpRole::kRouter: return "attn";
    case models::OpRole::kDispatch: return "dispatch";
    case models::OpRole::kCombine: return "combine";
    default: return "mlp";
  }
}

double TraceSummary::kind_seconds(std::string_view kind, TracePass pass) const { return lookup(by_kind, kind, pass); }
double TraceSummary::block_seconds(std::string_view block, TracePass pass) const {
  return lookup(by_block, block, pass);
}
double TraceSummary::kind_in_block_seconds(std::string_view block, TracePass pass, std::string_view kind) const {
  auto it = kinds_by_block.find({std::string(block), pass});
  if (it == kinds_by_block.end()) return 0;
  auto k = it->second.find(std::string(kind));
  return k == it->second.end() ? 0 : k->second.seconds;
}

TraceSummary summarize_trace(const KinetoTrace& trace) {
  TraceSummary s;
  s.source = trace.source;
  if (!trace.devices.empty())
    s.device = fmt::format("{} ({} SMs)", trace.devices.front().name, trace.devices.front().sm_count);
  const std::vector<KernelPlacement> placements = place_kernels(trace);
  std::map<std::string, UnplacedKernel> unplaced;
  double first_start = 0, last_end = 0;
  for (size_t i = 0; i < trace.kernels.size(); ++i) {
    const GpuKernel& k = trace.kernels[i];
    const KernelPlacement& p = placements[i];
    const TracePass pass = pass_of(k);
    const std::string kind = p.kind ? std::string(kernel_kind_name(*p.kind)) : "unplaced";
    const std::string block = block_of(k);
    add(s.by_kind[kind][pass], k.duration_s);
    add(s.by_block[block][pass], k.duration_s);
    add(s.kinds_by_block[{block, pass}][kind], k.duration_s);
    if (!p.kind) {
      UnplacedKernel& u = unplaced[k.name];
      u.name = k.name;
      u.reason = p.unplaced_reason;
      add(u.time, k.duration_s);
    }
    s.kernel_count += 1;
    s.kernel_seconds += k.duration_s;
    first_start = i == 0 ? k.start_s : std::min(first_start, k.start_s);
    last_end = std::max(last_end, k.start_s + k.duration_s);
  }
  s.wall_seconds = trace.kernels.empty() ? 0 : last_end - first_start;
  for (auto& [name, u] : unplaced) s.unplaced.push_back(std::move(u));
  std::stable_sort(s.unplaced.begin(), s.unplaced.end(),
                   [](const UnplacedKernel& a, const UnplacedKernel& b) { return a.time.seconds > b.time.seconds; });
  return s;
}

}  // namespace trainsim::hw
