// The trace against the priced pair (see trace_comparison.h). Blocks follow DualPipe's annotations: "attn" (with
// the router, as the trace runs it), "mlp" (experts, permute, combine sum), "dispatch" and "combine"; in backward the
// dispatch block runs the combine kernel (a dispatch's gradient goes back as a combine) and vice versa, which
// is how the catalog's roles place them too (models/op.h OpRole).
#include "sim/step/trace_comparison.h"

#include <fmt/format.h>

#include <map>

#include "models/compute_kind.h"
#include "sim/step/layer_timing.h"

namespace trainsim::sim {
namespace {

using hw::TracePass;
using models::Pass;

// The trace block an op of a MoE layer belongs to (the router in attn, as DeepSeek's trace runs it).
std::string block_of(const models::Op& op) { return std::string(hw::dualpipe_block_of(op)); }

TracePass pass_of(const models::Op& op) { return op.pass == Pass::kForward ? TracePass::kForward : TracePass::kBackward; }

std::string pass_label(TracePass pass) { return pass == TracePass::kForward ? "F" : "B+W"; }

}  // namespace

TraceComparison compare_with_trace(const PricedScenario& p, const hw::TraceSummary& trace, int layers_per_chunk) {
  const Scenario& s = p.scenario;
  TraceComparison out;
  out.trace_source = trace.source;
  out.trace_device = trace.device;
  out.scenario_source = s.source;
  out.layers_per_chunk = layers_per_chunk;
  out.op_times = fmt::format("the datasheet roofline at assumed efficiencies (hardware/op_time_model.h), {} of {} SMs",
                             s.cluster.gpu.sm_count - (overlaps_forward_and_backward(s.layout.schedule) ? s.cluster.comm_sm_count : 0),
                             s.cluster.gpu.sm_count);
  const PricedLayer& moe = p.at_schedule_sms.moe;
  const double layers = layers_per_chunk;
  std::map<std::pair<std::string, TracePass>, double> block_s, kind_s;
  for (const models::Op& op : moe.ops.ops) {
    const TracePass pass = pass_of(op);
    if (op.is_communication()) {
      block_s[{block_of(op), pass}] += layers * communication_seconds(op, s.cluster);
      continue;
    }
    const double seconds = layers * p.schedule_sms_model.seconds(op);
    block_s[{block_of(op), pass}] += seconds;
    kind_s[{std::string(models::compute_kind_name(models::compute_kind_of(op))), pass}] += seconds;
  }
  const char* const kEpNote = "trace: kernel time with the waits for the other chunk's data; trainsim: bytes at link rate";
  for (TracePass pass : {TracePass::kForward, TracePass::kBackward}) {
    for (const auto& [block, label] : {std::pair{"attn", "attention block"}, std::pair{"mlp", "MoE block"}})
      out.groups.push_back({fmt::format("{} {}", label, pass_label(pass)), trace.block_seconds(block, pass),
                            block_s[{block, pass}], ""});
  }
  for (TracePass pass : {TracePass::kForward, TracePass::kBackward})
    for (const char* block : {"dispatch", "combine"})
      out.groups.push_back({fmt::format("{} {}", block, pass_label(pass)), trace.block_seconds(block, pass),
                            block_s[{block, pass}], kEpNote});
  for (int k = 0; k < models::kComputeKindCount; ++k) {
    const auto kind = static_cast<models::ComputeKind>(k);
    const std::string name(models::compute_kind_name(kind));
    for (TracePass pass : {TracePass::kForward, TracePass::kBackward}) {
      const double measured = trace.kind_seconds(name, pass), priced = kind_s[{name, pass}];
      if (measured == 0 && priced == 0) continue;
      // NOTE: DeepSeek's backward runs the routed experts' weight gradients as per-expert dense GEMMs, which
      // the kernel table cannot tell from the shared expert's (hardware/kernel_kinds.h).
      const bool weight_gemms = pass == TracePass::kBackward &&
                                (kind == models::ComputeKind::kMlpGemm || kind == models::ComputeKind::kExpertGemm);
      out.kinds.push_back({fmt::format("{} {}", name, pass_label(pass)), measured, priced,
                           weight_gemms ? "trace: routed experts' weight gradients counted as mlp_gemm" : ""});
    }
  }
  LayerTiming chunk = moe.timing.scaled(layers);
  out.pair_wall = {"F&B chunk pair, wall", trace.wall_seconds, chunk_times_of(chunk).overlapped_s,
                   "trainsim: max(compute, EP) + TP of the pair, as the schedule executor runs an F&B op"};
  return out;
}

}  // namespace trainsim::sim
