// LayerExpansion: the OpExpansion of a step (pipeline_graph.h): each schedule op's layers as engine
// activities on the GPUs of one replica: their compute ops, TP and EP flows (routed ones at a routed load),
// DualPipe's F&B turns, ZeRO 3's unit gathers and reductions, and where each layer's gradients become final.
#pragma once
#include <memory>
#include <vector>

#include "sim/step/data_parallel.h"
#include "sim/step/pipeline_graph.h"
#include "sim/step/priced_scenario.h"
#include "sim/step/replica_gpus.h"
#include "sim/step/stage_ops.h"
#include "sim/step/step_graph.h"
#include "sim/step/work_tag.h"

namespace trainsim::sim {

// NOTE: an engine flow already pays its route's latency, two link latencies (GPU up to the NVSwitch or the
// leaf and down again, hardware/topology_builder.h); an NCCL collective waits its latency less that.
double nccl_delay_s(double nccl_latency_s, double link_latency_s);

class LayerExpansion final : public OpExpansion {
 public:
  // `units`: ZeRO 3's collectives of each stage's layers ([stage][layer], stage_layers' order); empty otherwise.
  LayerExpansion(std::vector<StageOps> stages, const ReplicaGpus& gpus, const PricedScenario& priced,
                 const StepGraphOptions& options, Fidelity fidelity, WorkTags& tags,
                 std::vector<std::vector<UnitCollectives>> units);
  ~LayerExpansion() override;

  ExpandedOp expand(ActivityGraph& graph, int rank, const ScheduleOp& op, const std::vector<StageTask>& tasks) override;
  // `member`: the last micro-batch's last weight-gradient op of that layer, or, where the layer's ops were
  // merged into the next layer's first op, that op (stage_ops.h); -1 if the stage computed no weights there.
  int gradient_ready(int rank, int member, int stage, int layer) const;
  // ZeRO 3: the last flow of `rank`'s member's gathers and reductions, -1 if none.
  int unit_stream_last(int rank, int member) const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace trainsim::sim
