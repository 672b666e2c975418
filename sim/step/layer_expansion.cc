// Each schedule op's layers as engine activities on the GPUs of one replica (see layer_expansion.h).
#include "sim/step/layer_expansion.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <unordered_map>

#include "core/error.h"
#include "sim/step/routed_flows.h"
#include "sim/step/routed_load_view.h"

namespace trainsim::sim {

// NOTE: an engine flow already pays its route's latency, two link latencies (GPU up to the NVSwitch or the
// leaf and down again, hardware/topology_builder.h); an NCCL collective waits its latency less that.
double nccl_delay_s(double nccl_latency_s, double link_latency_s) {
  return std::max(0.0, nccl_latency_s - 2.0 * link_latency_s);
}

namespace {

// One pass of one task being laid out: its ops, how far, what each member's next op waits for.
struct Chain {
  const std::vector<StageOp>* ops = nullptr;
  std::size_t next = 0;
  int microbatch = 0;
  bool forward = false;
  int stage = 0;
  bool weights = false;                 // computes weight gradients (B, or W alone)
  bool gathers = false;                 // ZeRO 3: needs its layers' weights gathered (F, B, Bi)
  int unit = -1;                        // ZeRO 3: the layer its compute is in
  std::vector<std::map<int, int>> gathered;  // ZeRO 3 [member]: layer -> its gather's last flow
  std::vector<std::vector<int>> ready;  // [member]
  std::vector<int> first, last;         // [member]
  bool done() const { return next >= ops->size(); }
};

}  // namespace

class LayerExpansion::Impl {
 public:
  Impl(std::vector<StageOps> stages, const ReplicaGpus& gpus, const PricedScenario& priced,
                 const StepGraphOptions& options, Fidelity fidelity, WorkTags& tags,
                 std::vector<std::vector<UnitCollectives>> units)
      : stages_(std::move(stages)), gpus_(gpus), cluster_(priced.scenario.cluster), options_(options), fidelity_(fidelity),
        tags_(tags), units_(std::move(units)), gathers_weights_(priced.scenario.layout.zero_stage == 3),
        reduce_name_(priced.scenario.layout.zero_stage == 3 ? "fsdp reduce-scatter" : "zero-2 reduce-scatter"),
        dense_stride_(priced.scenario.layout.tp),
        expert_stride_(std::max(priced.scenario.layout.ep, priced.scenario.layout.tp)) {
    if (options.routed_load && priced.scenario.job.model.is_moe())
      routed_.emplace(options.routed_load, priced.scenario, priced.full_sms_model);
  }

  ExpandedOp expand(ActivityGraph& graph, int rank, const ScheduleOp& op, const std::vector<StageTask>& tasks) {
    const int members = gpus_.members();
    rank_ = rank;
    stream_last_.assign(static_cast<std::size_t>(members), -1);
    ExpandedOp out;
    out.compute.assign(static_cast<std::size_t>(members), TaskSpan{});
    std::vector<Chain> chains;
    std::vector<int> chain_of_task;  // task -> chain
    for (const StageTask& task : tasks) {
      const StageOps& ops = stages_[static_cast<std::size_t>(task.stage)];
      if (task.kind == TaskKind::kWeight && op.phase != Phase::kWeight) {  // B and F&B: one chain runs Bi and W
        chain_of_task.push_back(chain_of_task.back());
        continue;
      }
      Chain c;
      c.ops = task.kind == TaskKind::kForward ? &ops.forward
              : task.kind == TaskKind::kWeight ? &ops.weight
              : op.phase == Phase::kBackwardInput ? &ops.backward_input : &ops.backward;
      c.microbatch = task.microbatch;
      c.forward = task.kind == TaskKind::kForward;
      c.stage = task.stage;
      c.weights = c.ops == &ops.backward || c.ops == &ops.weight;
      c.gathers = gathers_weights_ && c.ops != &ops.weight;
      c.gathered.assign(static_cast<std::size_t>(members), {});
      // A rank runs its ops in order: the stage's last chain with weight gradients is its last micro-batch's.
      if (c.weights) weight_ops_[{rank, task.stage}].assign(static_cast<std::size_t>(members), {});
      c.ready.assign(static_cast<std::size_t>(members), {});
      c.first.assign(static_cast<std::size_t>(members), -1);
      c.last.assign(static_cast<std::size_t>(members), -1);
      chain_of_task.push_back(static_cast<int>(chains.size()));
      chains.push_back(std::move(c));
    }
    for (Chain& c : chains)
      if (c.done() || c.ops->front().is_communication()) add_compute_all(graph, c, nullptr, "start", out);
    // The chains take turns on the compute stream, a turn being a chain's ops up to its next EP all-to-all;
    // that all-to-all is issued at once and runs under the other chain's turn (DualPipe's F&B, tech report
    // Figure 4; Megatron-Core's EP overlap the same way). TP and CP collectives stay in their chain's turn: NCCL
    // runs them on the compute stream between the GEMMs, so they hold both chains (their overlap with GEMMs,
    // where modelled, is in their bytes: comm_overlap.h). The backward goes first: it opens with a short compute,
    // the forward with its attention, which then covers the backward's first all-to-all.
    auto is_all_to_all = [](const StageOp& stage_op) { return stage_op.kind == StageOpKind::kEp; };
    std::vector<Chain*> turns;
    for (Chain& c : chains) turns.push_back(&c);
    std::stable_partition(turns.begin(), turns.end(), [](const Chain* c) { return !c->forward; });
    for (bool progress = true; progress;) {
      progress = false;
      for (Chain* c : turns) {
        if (c->done()) continue;
        progress = true;
        while (!c->done() && is_all_to_all((*c->ops)[c->next])) add_flows_all(graph, *c, (*c->ops)[c->next++]);
        while (!c->done() && !is_all_to_all((*c->ops)[c->next])) {
          const StageOp& op_in_turn = (*c->ops)[c->next++];
          if (op_in_turn.is_communication()) {  // its end, a join on the stream, holds the other chain too
            add_flows_all(graph, *c, op_in_turn);
            add_compute_all(graph, *c, nullptr, "join", out);
          } else {
            add_compute_all(graph, *c, &op_in_turn, op_in_turn.name, out);
          }
        }
      }
    }
    for (Chain& c : chains) {
      leave_unit(graph, c);
      add_compute_all(graph, c, nullptr, "end", out, /*only_after_flows=*/true);
      for (int m = 0; m < members; ++m) c.last[m] = c.ready[m].front();
    }
    out.tasks.assign(static_cast<std::size_t>(members), std::vector<TaskSpan>(tasks.size()));
    for (int m = 0; m < members; ++m)
      for (std::size_t t = 0; t < tasks.size(); ++t) {
        const Chain& c = chains[static_cast<std::size_t>(chain_of_task[t])];
        out.tasks[m][t] = {c.first[m], c.last[m]};
      }
    return out;
  }

 // The activity whose end makes final the gradients of `layer` (index in stage_layers) of `stage` on `rank`'s
  // `member`: the last micro-batch's last weight-gradient op of that layer, or, where the layer's ops were
  // merged into the next layer's first op, that op (stage_ops.h); -1 if the stage computed no weights there.
  int gradient_ready(int rank, int member, int stage, int layer) const {
    const auto it = weight_ops_.find({rank, stage});
    if (it == weight_ops_.end()) return -1;
    const std::vector<std::pair<int, int>>& ops = it->second[static_cast<std::size_t>(member)];  // (layer, activity)
    if (ops.empty()) return -1;
    std::size_t at = 0;  // the last op holding this layer's or a later layer's part (layers run in reverse)
    bool found = false;
    for (std::size_t i = 0; i < ops.size(); ++i)
      if (ops[i].first >= layer) at = i, found = true;
    if (found && ops[at].first != layer && at + 1 < ops.size()) ++at;
    return ops[at].second;
  }

 // ZeRO 3: the last flow of `rank`'s member's gathers and reductions, -1 if none.
  int unit_stream_last(int rank, int member) const {
    const auto it = unit_stream_.find(rank);
    return it == unit_stream_.end() ? -1 : it->second[static_cast<std::size_t>(member)];
  }

 private:
  int trank(int member) const { return timeline_rank(rank_, member, gpus_.members()); }

  static bool ends_in_compute(const ActivityGraph& graph, const Chain& c, int member) {
    return c.ready[member].size() == 1 && graph.activities()[c.ready[member].front()].stream == Stream::kCompute;
  }

  // A compute op (or, with `op` null, a zero-length join) on every member, after what each waits for;
  // `only_after_flows`: only on the members whose chain ends in flows (a task ends in one activity).
  void add_compute_all(ActivityGraph& graph, Chain& c, const StageOp* op, const std::string& name, ExpandedOp& out,
                       bool only_after_flows = false) {
    const int id_name = graph.intern(name);
    const std::vector<int> gathered = op == nullptr ? std::vector<int>{} : enter_unit(graph, c, op->layer);
    for (int m = 0; m < gpus_.members(); ++m) {
      if (only_after_flows && ends_in_compute(graph, c, m)) continue;
      const auto [seconds, tag] = op == nullptr ? std::pair{0.0, static_cast<int>(WorkTags::kJoin)} : priced_on(*op, c.microbatch, m);
      const int id = graph.add_compute(gpus_.gpu(rank_, m), seconds, {trank(m), id_name, c.microbatch, tag});
      for (int before : c.ready[m]) graph.add_dependency(before, id);
      if (!gathered.empty() && gathered[static_cast<std::size_t>(m)] >= 0) graph.add_dependency(gathered[static_cast<std::size_t>(m)], id);
      if (stream_last_[m] >= 0 && std::find(c.ready[m].begin(), c.ready[m].end(), stream_last_[m]) == c.ready[m].end())
        graph.add_dependency(stream_last_[m], id);
      stream_last_[m] = id;
      if (c.weights && op != nullptr) weight_ops_[{rank_, c.stage}][static_cast<std::size_t>(m)].emplace_back(op->layer, id);
      c.ready[m] = {id};
      if (c.first[m] < 0) c.first[m] = id;
      if (out.compute[m].first < 0) out.compute[m].first = id;
      out.compute[m].last = id;
    }
  }

  // A communication op's flows from every member; each member's next op waits for its flows out and in.
  void add_flows_all(ActivityGraph& graph, Chain& c, const StageOp& op) {
    if (!options_.communication) return;
    if (const models::RoutedLayerLoad* layer = op.kind == StageOpKind::kEp && routed_ ? routed_->find(c.microbatch, op.model_layer) : nullptr)
      return add_routed_flows(graph, c, op, *layer);
    const int members = gpus_.members();
    const bool gpu_level = fidelity_ == Fidelity::kGpu;
    const bool ep = op.kind == StageOpKind::kEp;
    // A CP group's other ranks are not among a device's simulated members (ReplicaGpus): at every fidelity its
    // collectives go to the representative peers that stage fidelity uses, and nothing arrives from them.
    const bool cp = op.kind == StageOpKind::kCp;
    const int group = !gpu_level || cp ? gpus_.cluster_gpus() : ep ? gpus_.ep() : gpus_.tp();
    const int id_name = graph.intern(op.name);
    const int tag = ep ? WorkTags::kEp : cp ? WorkTags::kCp : WorkTags::kTp;
    std::vector<std::vector<int>> arriving(static_cast<std::size_t>(members));
    std::vector<std::vector<int>> sent(static_cast<std::size_t>(members));
    const int base = gpus_.gpu(rank_, 0);
    for (int m = 0; m < members; ++m) {
      const int gpu = gpus_.gpu(rank_, m);
      for (auto [peer, bytes, link_latency_s] :
           {std::tuple{gpus_.nvlink_peer(gpu, group), op.nvlink_bytes, cluster_.nvlink_latency_s},
            std::tuple{gpus_.nic_peer(gpu, group), op.nic_bytes, cluster_.nic_latency_s}}) {
        if (peer < 0 || bytes <= 0) continue;
        const int receiver = peer - base;  // a member at gpu fidelity
        const int flow = graph.add_flow(gpu, peer, bytes, {trank(m), id_name, c.microbatch, tag}, ep,
                                        nccl_delay_s(op.latency_s, link_latency_s));
        for (int before : c.ready[m]) graph.add_dependency(before, flow);
        sent[m].push_back(flow);
        if (gpu_level && !cp) arriving[receiver].push_back(flow);
      }
    }
    for (int m = 0; m < members; ++m) {
      if (sent[m].empty() && arriving[m].empty()) continue;
      c.ready[m] = std::move(sent[m]);
      c.ready[m].insert(c.ready[m].end(), arriving[m].begin(), arriving[m].end());
    }
  }

  // ZeRO 3 (data_parallel.h): a unit's collectives from `member` after `after`, on the member's one NCCL
  // stream, each merged into one flow (its link bytes, its whole latency). Returns the last flow, or -1.
  int add_unit_flows(ActivityGraph& graph, int member, const std::array<hw::Collective, 2>& collectives,
                     const std::vector<int>& after, int name) {
    int& stream = unit_stream_.try_emplace(rank_, std::vector<int>(static_cast<std::size_t>(gpus_.members()), -1))
                      .first->second[static_cast<std::size_t>(member)];
    const int gpu = gpus_.gpu(rank_, member);
    int last = -1;
    for (std::size_t e = 0; e < 2; ++e) {
      if (collectives[e].ranks <= 1) continue;
      const hw::CollectiveTime t = hw::nccl_collective_time(collectives[e], cluster_);
      const int peer = gpus_.ring_peer(gpu, e == 0 ? dense_stride_ : expert_stride_, t.link);
      if (peer < 0) continue;
      const double link_latency_s = t.link == hw::CollectiveLink::kNic ? cluster_.nic_latency_s : cluster_.nvlink_latency_s;
      const int flow = graph.add_flow(gpu, peer, t.link_bytes, {trank(member), name, -1, WorkTags::kDp}, false,
                                      nccl_delay_s(t.latency_s, link_latency_s));
      for (int before : after) graph.add_dependency(before, flow);
      if (stream >= 0) graph.add_dependency(stream, flow);
      stream = last = flow;
    }
    return last;
  }

  // ZeRO 3: the chain's compute enters `layer`. Reduces the layer it leaves (weight-gradient chains), takes
  // the new layer's gather (issuing it now if no earlier unit prefetched it) and prefetches the next one's.
  // Returns each member's gather of `layer` to wait for (empty when nothing is gathered).
  std::vector<int> enter_unit(ActivityGraph& graph, Chain& c, int layer) {
    if (units_.empty() || !options_.communication || layer == c.unit) return {};
    leave_unit(graph, c);
    c.unit = layer;
    if (!c.gathers) return {};
    const std::vector<UnitCollectives>& units = units_[static_cast<std::size_t>(c.stage)];
    const int next = c.forward ? layer + 1 : layer - 1;  // the backward runs the layers in reverse
    const int gather = graph.intern("fsdp all-gather");
    std::vector<int> out(static_cast<std::size_t>(gpus_.members()), -1);
    for (int m = 0; m < gpus_.members(); ++m) {
      std::map<int, int>& gathered = c.gathered[static_cast<std::size_t>(m)];
      const auto it = gathered.find(layer);
      const int own = it != gathered.end() ? it->second
                                           : add_unit_flows(graph, m, units[static_cast<std::size_t>(layer)].gather,
                                                            c.ready[static_cast<std::size_t>(m)], gather);
      out[static_cast<std::size_t>(m)] = own;
      if (next >= 0 && next < static_cast<int>(units.size())) {
        std::vector<int> after = c.ready[static_cast<std::size_t>(m)];
        if (own >= 0) after.push_back(own);
        gathered[next] = add_unit_flows(graph, m, units[static_cast<std::size_t>(next)].gather, after, gather);
      }
    }
    return out;
  }

  // From ZeRO 2: a weight-gradient chain leaving its layer reduce-scatters that layer's gradients after its compute.
  void leave_unit(ActivityGraph& graph, Chain& c) {
    if (units_.empty() || !options_.communication || !c.weights || c.unit < 0) return;
    const int reduce = graph.intern(reduce_name_);
    for (int m = 0; m < gpus_.members(); ++m)
      add_unit_flows(graph, m, units_[static_cast<std::size_t>(c.stage)][static_cast<std::size_t>(c.unit)].reduce,
                     c.ready[static_cast<std::size_t>(m)], reduce);
    c.unit = -1;
  }

  // A routed EP op's flows (routed_flows.h); each member's next op waits for what it sent and received.
  void add_routed_flows(ActivityGraph& graph, Chain& c, const StageOp& op, const models::RoutedLayerLoad& layer) {
    std::vector<std::vector<int>> waits = add_routed_ep_flows(graph, gpus_, cluster_, fidelity_, rank_, op, layer, *routed_,
                                                              c.ready, c.microbatch);
    for (std::size_t m = 0; m < waits.size(); ++m)
      if (!waits[m].empty()) c.ready[m] = std::move(waits[m]);
  }

  // The routed layer a compute op of `microbatch` meets, or null (no routed part, no load, or a layer the load
  // does not list: balanced).
  const models::RoutedLayerLoad* routed_layer(const StageOp& op, int microbatch) const {
    return routed_ && op.routed_passes != 0 ? routed_->find(microbatch, op.model_layer) : nullptr;
  }

  // A compute op's seconds and tag (its time split by op kind) on `member`: the op as priced, or with its
  // routed part re-priced at the member's rows (gpu fidelity: its EP rank's; stage: the layer's straggler's).
  std::pair<double, int> priced_on(const StageOp& op, int microbatch, int member) {
    const models::RoutedLayerLoad* layer = routed_layer(op, microbatch);
    const std::int64_t rows =
        layer == nullptr ? -1
                         : layer->rows_per_rank[static_cast<std::size_t>(
                               fidelity_ == Fidelity::kGpu ? member % std::max(1, gpus_.ep()) : routed_->straggler(*layer))];
    if (layer == nullptr || rows == routed_->pricing().balanced_rows()) {
      auto [it, fresh] = balanced_tags_.try_emplace(&op, 0);
      if (fresh) it->second = tags_.compute(stage_op_kind_name(op.kind), op.compute_by_kind_s);
      return {op.compute_s, it->second};
    }
    auto [it, fresh] = routed_ops_.try_emplace({&op, rows});
    if (fresh) {
      const RoutedSeconds& at = routed_->pricing().at_rows(rows);
      const models::ComputeKindSeconds routed = at.by_kind(op.routed_passes);
      models::ComputeKindSeconds by_kind = op.compute_by_kind_s;
      for (std::size_t k = 0; k < by_kind.size(); ++k) by_kind[k] += routed[k] - op.routed_by_kind_s[k];
      it->second = {op.compute_s - op.routed_compute_s + at.seconds(op.routed_passes),
                    tags_.compute(stage_op_kind_name(op.kind), by_kind)};
    }
    return it->second;
  }

  std::vector<StageOps> stages_;
  const ReplicaGpus& gpus_;
  const hw::ClusterSpec& cluster_;
  const StepGraphOptions& options_;
  Fidelity fidelity_;
  WorkTags& tags_;
  std::optional<RoutedLoadView> routed_;  // with a routed load
  std::unordered_map<const StageOp*, int> balanced_tags_;                        // op -> tag
  std::map<std::pair<const StageOp*, std::int64_t>, std::pair<double, int>> routed_ops_;  // (op, rows) -> seconds, tag
  int rank_ = 0;
  std::vector<int> stream_last_;   // [member]: the op's last compute so far
  std::map<std::pair<int, int>, std::vector<std::vector<std::pair<int, int>>>> weight_ops_;  // (rank, stage) -> [member] -> (layer, activity)
  std::vector<std::vector<UnitCollectives>> units_;  // from ZeRO 2: [stage][layer]
  bool gathers_weights_ = false;                     // ZeRO 3: each unit's weights gathered before F and B
  std::string reduce_name_;                          // the unit reductions' name in traces
  int dense_stride_ = 1, expert_stride_ = 1;          // ReplicaGpus::ring_peer strides of the DP and expert-DP rings
  std::map<int, std::vector<int>> unit_stream_;       // ZeRO 3: rank -> [member] -> last flow of its NCCL stream
};

LayerExpansion::LayerExpansion(std::vector<StageOps> stages, const ReplicaGpus& gpus, const PricedScenario& priced,
                               const StepGraphOptions& options, Fidelity fidelity, WorkTags& tags,
                               std::vector<std::vector<UnitCollectives>> units)
    : impl_(std::make_unique<Impl>(std::move(stages), gpus, priced, options, fidelity, tags, std::move(units))) {}

LayerExpansion::~LayerExpansion() = default;

ExpandedOp LayerExpansion::expand(ActivityGraph& graph, int rank, const ScheduleOp& op, const std::vector<StageTask>& tasks) {
  return impl_->expand(graph, rank, op, tasks);
}

int LayerExpansion::gradient_ready(int rank, int member, int stage, int layer) const {
  return impl_->gradient_ready(rank, member, stage, layer);
}

int LayerExpansion::unit_stream_last(int rank, int member) const { return impl_->unit_stream_last(rank, member); }

}  // namespace trainsim::sim
