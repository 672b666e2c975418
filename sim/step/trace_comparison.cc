// The trace against the priced pair (see trace_comparison.h). Blocks follow DualPipe's annotations: "attn" (with
// the router, as the trace runs it), "mlp" (experts, permute, combine sum), "dispatch" and "combine"; in backward the
// dispatch block runs the combine kernel (a dispatch's gradient goes back as a combine) and vice versa, which
// is how the catalog's roles place them too (models/op.h OpRole).
#include "sim/step/trace_comparison.h"

#include <fmt/format.h>

#include <map>

#include "models/compute_kind.h"
#include "sim/step/layer_timing.h"
#include "sim/step/pair_simulation.h"
#include "sim/step/step_simulation.h"

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
  std::string fitted;
  for (const hw::FamilyFit& f : p.calibrated->fits)
    fitted += fmt::format("{}{}", fitted.empty() ? "" : ", ", hw::kernel_family_name(f.family));
  out.op_times = fmt::format("{}, {} of {} SMs",
                             fitted.empty() ? std::string("the datasheet roofline at assumed efficiencies (hardware/op_time_model.h)")
                                            : fmt::format("shape models fitted to {} ({}), the datasheet roofline for the "
                                                          "other kernel families",
                                                          p.calibrated->calibration_file, fitted),
                             p.schedule_sms_model.compute_sms(), s.cluster.gpu.sm_count);
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
  for (TracePass pass : {TracePass::kForward, TracePass::kBackward}) {
    for (const auto& [block, label] : {std::pair{"attn", "attention block"}, std::pair{"mlp", "MoE block"}})
      out.groups.push_back({fmt::format("{} {}", label, pass_label(pass)), trace.block_seconds(block, pass),
                            block_s[{block, pass}], ""});
  }
  // EP and the wall: the pair run on the engine as DualPipe issues it (pair_simulation.h), its compute blocks
  // priced as the rows above, each EP op as a profiler sees it (kernel start to end), the link rate beside it.
  const PairSimulation pair = simulate_pair(pair_layer_times(moe.ops, p.schedule_sms_model, s.cluster),
                                            layers_per_chunk, build_scenario_topology(s));
  struct EpRow {
    const char* block;
    TracePass pass;
    PairEpOp op;
  };
  for (const EpRow& row : {EpRow{"dispatch", TracePass::kForward, PairEpOp::kDispatchForward},
                           EpRow{"combine", TracePass::kForward, PairEpOp::kCombineForward},
                           EpRow{"dispatch", TracePass::kBackward, PairEpOp::kDispatchBackward},
                           EpRow{"combine", TracePass::kBackward, PairEpOp::kCombineBackward}}) {
    double stream_wait_s = 0;
    for (const EpOpRun& r : pair.ep_ops)
      if (r.op == row.op) stream_wait_s += r.stream_wait_s();
    out.groups.push_back(
        {fmt::format("{} {}", row.block, pass_label(row.pass)), trace.block_seconds(row.block, row.pass),
         pair.observed_s(row.op),
         fmt::format("trace: DeepEP's notify (waits for the peers) and transfer kernels; trainsim: kernel start to "
                     "end in the simulated pair, bytes at link rate {:.2f} ms, after {:.2f} ms of its stream idle "
                     "for the producer",
                     block_s[{row.block, row.pass}] * 1e3, stream_wait_s * 1e3)});
  }
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
  out.pair_wall = {"F&B chunk pair, wall", trace.wall_seconds, pair.wall_s,
                   fmt::format("trainsim: the pair on the event engine, compute and DeepEP streams in DualPipe's issue "
                               "order (sim/step/pair_simulation.h); closed form max(compute, EP) + TP {:.2f} ms",
                               chunk_times_of(moe.timing.scaled(layers)).overlapped_s * 1e3)};
  return out;
}

}  // namespace trainsim::sim
