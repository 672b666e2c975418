// The F&B chunk pair as an activity graph on the engine (see pair_simulation.h): compute blocks on GPU 0's
// compute stream in DualPipe's issue order, each EP op as flows to GPU 0's NVLink and NIC peers chained one
// after another (the comm stream), and the data dependencies between the two.
#include "sim/step/pair_simulation.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "core/error.h"
#include "sim/engine/engine.h"
#include "sim/step/layer_timing.h"
#include "sim/step/step_simulation.h"

namespace trainsim::sim {
namespace {

using models::OpRole;
using models::Pass;

constexpr int kComputeTag = 0, kEpTag = 1;

std::size_t index_of(PairEpOp op) { return static_cast<std::size_t>(op); }

// The EP op an op of the layer is, by its role and pass (trace_comparison.cc's blocks).
PairEpOp ep_op_of(const models::Op& op) {
  const bool forward = op.pass == Pass::kForward;
  if (op.role == OpRole::kDispatch) return forward ? PairEpOp::kDispatchForward : PairEpOp::kDispatchBackward;
  return forward ? PairEpOp::kCombineForward : PairEpOp::kCombineBackward;
}

class PairGraph {
 public:
  PairGraph(const PairLayerTimes& layer, const hw::Topology& topology) : layer_(layer), nic_peer_(topology.gpus_per_node()) {
    graph_.name_rank(0, "GPU 0");
    graph_.name_tag(kComputeTag, "compute");
    graph_.name_tag(kEpTag, "ep");
    const bool sends_over_nic = std::any_of(std::begin(layer.ep), std::end(layer.ep), [](const EpTransfer& t) { return t.nic_bytes > 0; });
    TS_CHECK(!sends_over_nic || topology.nodes() > 1, "EP sends bytes over NICs on a one-node topology");
  }

  // One layer of each chunk, in the issue order of pair_simulation.h.
  void add_layer(int i) {
    const int combine_b = comm(PairEpOp::kCombineBackward, i, {last_attention_b_});
    const int attention_f = compute(fmt::format("attn(F) {}", i), layer_.attention_forward_s, {last_combine_f_});
    const int moe_b = compute(fmt::format("mlp(B) {}", i), layer_.moe_backward_s, {combine_b});
    const int dispatch_f = comm(PairEpOp::kDispatchForward, i, {attention_f});
    const int dispatch_b = comm(PairEpOp::kDispatchBackward, i, {moe_b});
    compute(fmt::format("mlp(W) {}", i), layer_.moe_weight_s, {moe_b});
    const int moe_f = compute(fmt::format("mlp(F) {}", i), layer_.moe_forward_s, {dispatch_f});
    last_attention_b_ = compute(fmt::format("attn(B) {}", i), layer_.attention_backward_s, {dispatch_b});
    compute(fmt::format("attn(W) {}", i), layer_.attention_weight_s, {last_attention_b_});
    last_combine_f_ = comm(PairEpOp::kCombineForward, i, {moe_f});
  }

  PairSimulation run(const hw::Topology& topology) {
    PairSimulation out;
    out.timeline = run_engine(graph_, topology);
    out.wall_s = out.timeline.makespan_s;
    double stream_free_s = 0;
    for (const CommOp& c : comms_) {
      EpOpRun run{c.op, c.layer, stream_free_s, std::numeric_limits<double>::infinity(), 0};
      for (int f : c.flows) {
        run.start_s = std::min(run.start_s, out.timeline.events[static_cast<std::size_t>(f)].start_s);
        run.end_s = std::max(run.end_s, out.timeline.events[static_cast<std::size_t>(f)].end_s);
      }
      stream_free_s = run.end_s;
      out.ep_ops.push_back(run);
    }
    for (const TimelineEvent& e : out.timeline.events)
      if (e.stream == Stream::kCompute) out.compute_busy_s += e.end_s - e.start_s;
    return out;
  }

 private:
  struct CommOp {
    PairEpOp op;
    int layer;
    std::vector<int> flows;
  };

  // `after` holds activity ids, -1 for none (a communication op's id is its index in comms_, see comm()).
  int compute(const std::string& name, double seconds, std::vector<int> after_comm_or_compute) {
    const int id = graph_.add_compute(0, seconds, {0, graph_.intern(name), -1, kComputeTag});
    depend(after_comm_or_compute, id);
    return id;
  }

  // The op's flows, after the previous comm op (the stream) and `after`; returns a handle for depend().
  int comm(PairEpOp op, int i, std::vector<int> after) {
    const EpTransfer& t = layer_.ep[index_of(op)];
    const int name = graph_.intern(fmt::format("{} {}", pair_ep_op_name(op), i));
    CommOp c{op, i, {}};
    // A zero-byte op still takes its place on the stream: an NVLink flow of latency only.
    if (t.nvlink_bytes > 0 || t.nic_bytes <= 0) c.flows.push_back(graph_.add_flow(0, 1, t.nvlink_bytes, {0, name, -1, kEpTag}));
    if (t.nic_bytes > 0) c.flows.push_back(graph_.add_flow(0, nic_peer_, t.nic_bytes, {0, name, -1, kEpTag}));
    if (!comms_.empty()) after.push_back(handle(static_cast<int>(comms_.size()) - 1));
    comms_.push_back(std::move(c));
    const int self = handle(static_cast<int>(comms_.size()) - 1);
    depend(after, self);
    return self;
  }

  // Comm ops are named by handles below -1, so that one vector of predecessors can mix both kinds.
  static int handle(int comm_index) { return -2 - comm_index; }

  void depend(const std::vector<int>& before, int after) {
    for (int b : before) {
      if (b == -1) continue;
      for (int from : ids(b))
        for (int to : ids(after)) graph_.add_dependency(from, to);
    }
  }

  std::vector<int> ids(int id_or_handle) const {
    if (id_or_handle >= 0) return {id_or_handle};
    return comms_[static_cast<std::size_t>(-2 - id_or_handle)].flows;
  }

  const PairLayerTimes& layer_;
  int nic_peer_;
  ActivityGraph graph_;
  std::vector<CommOp> comms_;
  int last_attention_b_ = -1, last_combine_f_ = -1;
};

}  // namespace

std::string_view pair_ep_op_name(PairEpOp op) {
  switch (op) {
    case PairEpOp::kCombineBackward: return "combine B";
    case PairEpOp::kDispatchForward: return "dispatch F";
    case PairEpOp::kDispatchBackward: return "dispatch B";
    case PairEpOp::kCombineForward: return "combine F";
  }
  return "?";
}

double PairSimulation::observed_s(PairEpOp op) const {
  double s = 0;
  for (const EpOpRun& r : ep_ops)
    if (r.op == op) s += r.observed_s();
  return s;
}

PairLayerTimes pair_layer_times(const models::LayerOps& ops, const hw::OpTimeModel& model, const hw::ClusterSpec& cluster) {
  PairLayerTimes t;
  for (const models::Op& op : ops.ops) {
    const bool ep = op.role == OpRole::kDispatch || op.role == OpRole::kCombine;
    if (ep) {
      EpTransfer& transfer = t.ep[index_of(ep_op_of(op))];
      transfer.nvlink_bytes += op.intra_node_bytes;
      transfer.nic_bytes += nic_rate_bytes(op);  // at DeepEP's achieved share of the NIC
      transfer.link_rate_s += communication_seconds(op, cluster);
      continue;
    }
    // TP collectives stay on the compute stream, exposed (chunk_times_of): they count in their block.
    const double seconds = op.is_communication() ? communication_seconds(op, cluster) : model.seconds(op);
    const bool attention = op.role == OpRole::kAttention || op.role == OpRole::kAttentionTp ||
                           op.role == OpRole::kAttentionCp;
    switch (op.pass) {
      case Pass::kForward: (attention ? t.attention_forward_s : t.moe_forward_s) += seconds; break;
      case Pass::kBackwardInput: (attention ? t.attention_backward_s : t.moe_backward_s) += seconds; break;
      case Pass::kBackwardWeight: (attention ? t.attention_weight_s : t.moe_weight_s) += seconds; break;
    }
  }
  return t;
}

PairSimulation simulate_pair(const PairLayerTimes& layer, int layers, const hw::Topology& topology) {
  TS_CHECK(layers >= 1, "a chunk pair needs at least one layer, got {}", layers);
  PairGraph graph(layer, topology);
  for (int i = 0; i < layers; ++i) graph.add_layer(i);
  return graph.run(topology);
}

PairSimulation simulate_pair(const PricedScenario& priced, int layers) {
  const Scenario& s = priced.scenario;
  const PairLayerTimes layer = pair_layer_times(priced.at_schedule_sms.moe.ops, priced.schedule_sms_model, s.cluster);
  return simulate_pair(layer, layers, build_scenario_topology(s));
}

}  // namespace trainsim::sim
