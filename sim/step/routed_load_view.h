// The step graph's reading of a routed load (models/routed_load.h): which layer load a stage op of a micro-batch
// meets, each EP rank's rows, the bytes an EP op moves between two ranks, and the straggler stage fidelity runs.
#pragma once
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "models/routed_load.h"
#include "sim/scenario/scenario.h"
#include "sim/step/routed_expert_pricing.h"
#include "sim/step/stage_ops.h"

namespace trainsim::sim {

// Bytes an EP stage op moves from EP rank `sender` to `receiver` under `layer`: each of its dispatch-kind
// all-to-alls carries the dispatch matrix, each combine-kind one the combine matrix (StageOp::ep_dispatches),
// the NIC bytes over their path's achieved share of the NIC as the op's expected bytes are (hw::ep_nic_share).
struct EpPairBytes {
  double nic = 0, nvlink = 0;
};
EpPairBytes ep_pair_bytes(const StageOp& op, const models::RoutedLayerLoad& layer, int sender, int receiver);

// What one rank's ports carry for that op: its matrix row out, its column in.
struct EpPortBytes {
  double nic_out = 0, nic_in = 0, nvlink_out = 0, nvlink_in = 0;
};
EpPortBytes ep_port_bytes(const StageOp& op, const models::RoutedLayerLoad& layer, int rank);

class RoutedLoadView {
 public:
  // Checks the load against the scenario (EP degree, node size, tokens and top-k of a micro-batch): a load
  // made for another layout is a caller's error. `time_model` prices the routed experts; it must outlive this.
  RoutedLoadView(std::shared_ptr<const models::RoutedStepLoad> load, const Scenario& scenario,
                const hw::OpTimeModel& time_model);

  // The load of model layer `model_layer` in `microbatch` (micro-batch m reads entry m % listed), or null where
  // the load lists none: that layer runs balanced.
  const models::RoutedLayerLoad* find(int microbatch, int model_layer) const;
  RoutedExpertPricing& pricing() { return pricing_; }
  const models::RoutedStepLoad& load() const { return *load_; }

  // The EP rank that takes the layer longest: the most routed-expert seconds at its rows (every pass) plus the
  // time its ports take to receive the forward dispatch and combine (the backward's mirror them), NIC at its
  // share and NVLink at its rate; the lowest rank among equals. Stage fidelity runs it (step_graph.h).
  int straggler(const models::RoutedLayerLoad& layer);

 private:
  std::shared_ptr<const models::RoutedStepLoad> load_;
  const Scenario& scenario_;
  RoutedExpertPricing pricing_;
  std::vector<std::unordered_map<int, const models::RoutedLayerLoad*>> layers_;  // [listed micro-batch] layer ->
  std::unordered_map<const models::RoutedLayerLoad*, int> stragglers_;
};

}  // namespace trainsim::sim
