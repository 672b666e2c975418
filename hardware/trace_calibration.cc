// Summing a trace's compute kernels into group points (trace_calibration.h). The kernel -> family rule is
// kernel_kinds.h's, the op -> block rule trace_summary.h's dualpipe_block_of, the op -> family rule
// kernel_family.h's: one rule each, shared with the report and the fit.
#include "hardware/trace_calibration.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <tuple>
#include <variant>

#include "core/error.h"
#include "hardware/gpu_catalog.h"
#include "hardware/kernel_kinds.h"

namespace trainsim::hw {
namespace {

constexpr std::string_view kBlocks[] = {"attn", "mlp"};  // DualPipe's compute blocks; dispatch/combine: EP

// One group: a layer instance of one block in one pass (F, or B and W together), one family.
struct GroupKey {
  bool backward = false;
  int layer = 0;
  int block = 0;  // index into kBlocks
  KernelFamily family = KernelFamily::kFp8Gemm;
  auto tie() const { return std::tie(backward, layer, block, family); }
  bool operator<(const GroupKey& o) const { return tie() < o.tie(); }
};

struct GroupKernels {
  double seconds = 0;
  std::vector<size_t> kernels;  // indexes into trace.kernels
};

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// The device the kernels ran on: the first kernel's, else the first listed.
const KinetoDevice& trace_device(const KinetoTrace& trace) {
  if (trace.devices.empty())
    throw ConfigError(SourceLocation{trace.source, 0, 0, "deviceProperties"}, "is missing or empty",
                      "the profiled GPU's name and numSms", "torch.profiler records deviceProperties since PyTorch 2.0");
  if (!trace.kernels.empty())
    for (const KinetoDevice& d : trace.devices)
      if (d.id == trace.kernels.front().device) return d;
  return trace.devices.front();
}

// The catalog GPU whose key the device's name holds ("NVIDIA H800" -> h800) with the same SM count.
GpuSpec catalog_gpu_of(const KinetoDevice& device, const std::string& source) {
  for (const GpuSpec& gpu : gpu_catalog())
    if (lower(device.name).find(gpu.key) != std::string::npos && gpu.sm_count == device.sm_count) return gpu;
  throw ConfigError(SourceLocation{source, 0, 0, "deviceProperties"},
                    fmt::format("device '{}' with {} SMs is no GPU of the catalog", device.name, device.sm_count),
                    fmt::format("one of {} with its SM count", fmt::join(gpu_keys(), ", ")),
                    "add the GPU to hardware/gpu_catalog.yaml");
}

GroupMember member_of(const models::Op& op) {
  GroupMember m;
  m.op = op.kind;
  m.dtype = op.dtype;
  m.note = op.name;
  m.recomputed = op.recomputed;
  if (const auto* g = std::get_if<models::GemmDims>(&op.shape)) {
    TS_CHECK(!g->uneven(), "op '{}' has uneven groups; a trace's group member is a balanced kernel", op.name);
    if (op.kind == models::OpKind::kGroupedGemm) m.shape.push_back({"groups", g->groups});
    m.shape.insert(m.shape.end(), {{"m", g->rows_per_group}, {"n", g->n}, {"k", g->k}});
  } else if (const auto* a = std::get_if<models::AttentionDims>(&op.shape)) {
    m.shape = {{"batch", a->batch},       {"heads", a->heads},         {"seq_q", a->seq},
               {"seq_kv", a->seq},        {"head_dim", a->qk_head_dim}, {"value_dim", a->v_head_dim}};
    // A context-parallel rank's core (two query chunks against the gathered keys) is not a trace's kernel.
    if (a->context_parallel > 1) m.shape.push_back({"context_parallel", a->context_parallel});
  } else {
    const auto bytes = static_cast<long long>(std::llround(op.hbm_bytes));
    TS_CHECK(bytes > 0, "catalog op {} moves no bytes", op.name);
    m.shape = {{"bytes", bytes}};
  }
  return m;
}

// The catalog ops of a block in F (backward false) or in B and W, of one family.
std::vector<GroupMember> members_of(const models::LayerOps& layer, std::string_view block, bool backward,
                                    KernelFamily family) {
  std::vector<GroupMember> out;
  for (const models::Op& op : layer.ops)
    if (!op.is_communication() && dualpipe_block_of(op) == block && (op.pass != models::Pass::kForward) == backward &&
        kernel_family_of(op) == family)
      out.push_back(member_of(op));
  return out;
}

// The largest grid of the EP all-to-all kernels: DeepEP launches one block per SM it holds.
int communication_sms(const KinetoTrace& trace, const std::vector<KernelPlacement>& placements) {
  int sms = 0;
  for (size_t i = 0; i < trace.kernels.size(); ++i) {
    const std::optional<KernelKind>& kind = placements[i].kind;
    if (!kind || kind->family != KernelKind::Family::kCommunication) continue;
    if (kind->communication != CommunicationKind::kEpDispatch && kind->communication != CommunicationKind::kEpCombine) continue;
    const std::array<int, 3>& g = trace.kernels[i].grid;
    sms = std::max(sms, g[0] * g[1] * g[2]);
  }
  return sms;
}

}  // namespace

TraceCalibration calibration_from_trace(const KinetoTrace& trace, const models::LayerOps& moe_layer,
                                        const TraceCalibrationSource& source) {
  const KinetoDevice& device = trace_device(trace);
  const GpuSpec gpu = catalog_gpu_of(device, trace.source);
  const std::vector<KernelPlacement> placements = place_kernels(trace);
  const int held_sms = communication_sms(trace, placements);
  const int compute_sms = std::max(1, device.sm_count - held_sms);

  // Occurrences: the k-th annotation of each name, and how many each name has.
  std::vector<int> occurrence(trace.annotations.size());
  std::map<std::string, int> occurrences;
  for (size_t a = 0; a < trace.annotations.size(); ++a) occurrence[a] = occurrences[trace.annotations[a].name]++;

  std::map<GroupKey, GroupKernels> groups;
  std::map<std::pair<std::string, std::string>, UnplacedKernel> ungrouped;
  auto leave_out = [&](size_t i, const std::string& reason) {
    UnplacedKernel& u = ungrouped[{trace.kernels[i].name, reason}];
    u.name = trace.kernels[i].name;
    u.reason = reason;
    u.time.seconds += trace.kernels[i].duration_s;
    u.time.count += 1;
  };
  for (size_t i = 0; i < trace.kernels.size(); ++i) {
    const GpuKernel& k = trace.kernels[i];
    const KernelPlacement& p = placements[i];
    if (!p.kind) {
      leave_out(i, p.unplaced_reason);
      continue;
    }
    if (p.kind->family != KernelKind::Family::kCompute) {
      leave_out(i, "communication or a copy: no compute kernel family");
      continue;
    }
    const std::optional<KernelFamily> family = kernel_family(k, p);
    if (!family) {
      leave_out(i, "a GEMM whose name gives no dtype, so no kernel family");
      continue;
    }
    if (k.annotation_ids.empty()) {
      leave_out(i, "launched outside any annotation: no DualPipe block");
      continue;
    }
    const int id = k.annotation_ids.back();
    const std::string& name = trace.annotations[static_cast<size_t>(id)].name;
    const std::string block = block_of(k);
    const auto in_blocks = std::find(std::begin(kBlocks), std::end(kBlocks), block);
    const bool marked = name.ends_with("(F)") || name.ends_with("(B)") || name.ends_with("(W)");
    if (in_blocks == std::end(kBlocks) || !marked) {
      leave_out(i, fmt::format("compute in annotation '{}', not DualPipe's attn or mlp block", name));
      continue;
    }
    GroupKey key{!name.ends_with("(F)"), occurrence[static_cast<size_t>(id)],
                 static_cast<int>(in_blocks - std::begin(kBlocks)), *family};
    if (key.backward) {
      // The backward chunk runs its layers last to first: its k-th block is layer n - 1 - k.
      const int n = std::max(occurrences[block + "(B)"], occurrences[block + "(W)"]);
      key.layer = n - 1 - key.layer;
    }
    GroupKernels& g = groups[key];
    g.seconds += k.duration_s;
    g.kernels.push_back(i);
  }

  TraceCalibration out;
  Calibration& c = out.calibration;
  c.file = trace.source;
  c.device = {gpu.key, device.name, device.sm_count, gpu.boost_clock_hz, "unknown", "unknown", {}, {}, {}};
  c.source.kind = CalibrationSourceKind::kTrace;
  c.source.url = source.url;
  c.source.date = source.date;
  c.source.description = fmt::format(
      "Kineto trace {}{}: compute kernel time summed by kernel family (hardware/kernel_kinds.h kernel_family) per "
      "DualPipe block (attn, mlp) per layer, F and B+W, with the catalog ops of the MoE layer of {} as members "
      "(router in attn). Device from the trace's deviceProperties; boost clock from the GPU catalog's {} entry (the "
      "trace records none); driver and CUDA not recorded. SMs: {} of {}, the EP kernels holding {} (their grids)",
      std::filesystem::path(trace.source).filename().string(),
      trace.trace_name.empty() ? "" : fmt::format(" ({})", trace.trace_name), source.shapes_from, gpu.key, compute_sms,
      device.sm_count, held_sms);
  std::set<std::tuple<int, bool, KernelFamily>> ran;  // block, backward, family
  for (const auto& [key, kernels] : groups) {
    const std::string_view block = kBlocks[key.block];
    ran.insert({key.block, key.backward, key.family});
    MeasuredPoint p;
    p.family = key.family;
    p.pass = !key.backward ? models::Pass::kForward
             : key.family == KernelFamily::kFp8WeightGemm ? models::Pass::kBackwardWeight
                                                          : models::Pass::kBackwardInput;
    p.group = fmt::format("layer {} {} {}", key.layer, block, key.backward ? "B+W" : "F");
    p.kernels = static_cast<int>(kernels.kernels.size());
    // NOTE: Kineto records microseconds with at most three decimals, so the sum is rounded to the nanosecond:
    // what is dropped is the float noise of adding up many products of 1e-6, which would write "1.352999999 ms".
    p.seconds = std::round(kernels.seconds * 1e9) / 1e9;
    p.sm_count = compute_sms;
    p.members = members_of(moe_layer, block, key.backward, key.family);
    if (p.members.empty()) {
      for (size_t i : kernels.kernels)
        leave_out(i, fmt::format("no op of the MoE layer's {} {} is {}", block, key.backward ? "B+W" : "F",
                                 kernel_family_name(key.family)));
      continue;
    }
    c.points.push_back(std::move(p));
  }
  for (size_t b = 0; b < std::size(kBlocks); ++b)
    for (bool backward : {false, true})
      for (int f = 0; f < kKernelFamilyCount; ++f) {
        const auto family = static_cast<KernelFamily>(f);
        if (ran.count({static_cast<int>(b), backward, family}) ||
            members_of(moe_layer, kBlocks[b], backward, family).empty())
          continue;
        out.ops_without_kernels.push_back(
            fmt::format("{} {} {}", kBlocks[b], backward ? "B+W" : "F", kernel_family_name(family)));
      }
  for (auto& [name, u] : ungrouped) out.ungrouped.push_back(std::move(u));
  std::stable_sort(out.ungrouped.begin(), out.ungrouped.end(),
                   [](const UnplacedKernel& a, const UnplacedKernel& b) { return a.time.seconds > b.time.seconds; });
  return out;
}

}  // namespace trainsim::hw
