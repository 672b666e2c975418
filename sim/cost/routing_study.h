// What expert routing does to a scenario, for `trainsim routing`: MaxVio over training steps with and without
// the auxiliary-loss-free bias (one MoE layer), and for every MoE layer each GPU's routed rows, the nodes a
// token reaches and the all-to-all bytes under each routing variant (balanced, as generated, after bias
// balancing, after EPLB), with the step time each variant gives.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "models/bias_balancing.h"
#include "models/routed_load.h"
#include "sim/scenario/scenario.h"

namespace trainsim::sim {

struct RoutingStudyRequest {
  int steps = 20;         // balancing steps traced, and the bias warm-up of every layer
  int trace_layer = -1;   // model layer index of the traced MoE layer; -1: the first MoE layer
  std::function<void(double)> progress;  // share done, for a progress bar
  bool step_times = true;  // each variant's step at stage fidelity (one engine run each, plus a balanced one)
};

struct RoutingVariant {
  std::string name;                       // "balanced", "as generated", "bias balancing", "bias balancing + EPLB"
  std::vector<std::vector<double>> rows;  // [MoE layer][EP rank] routed rows per micro-batch
  double max_vio = 0;                     // over ranks' rows, the largest of the layers: the straggler's excess
  double mean_vio = 0;                    // the same, averaged over layers
  double mean_nodes_per_token = 0;        // over layers (0 for balanced: nothing is routed)
  int max_nodes_per_token = 0;
  double max_received_bytes = 0;          // dispatch bytes the busiest GPU receives per micro-batch, worst layer
  double mean_received_bytes = 0;         // per GPU, averaged over GPUs and layers
  double step_time_s = 0;                 // 0 when step times were not asked for
  double straggler_s = 0;                 // of it, what the EP stragglers add (StepEstimate::straggler_s)
};

struct RoutingStudy {
  int trace_layer = 0;
  std::vector<models::BalancingPoint> with_bias;     // MaxVio of the traced layer per step, bias balancing on
  std::vector<models::BalancingPoint> without_bias;  // and off
  std::vector<int> layers;                           // model layer indices of the MoE layers
  int ep = 1;
  int gpus_per_node = 8;
  std::vector<RoutingVariant> variants;
  std::vector<std::string> notes;
};

// Throws ConfigError when the scenario's model has no MoE layer or routing is balanced (nothing to study).
RoutingStudy study_routing(const Scenario& scenario, const RoutingStudyRequest& request);

}  // namespace trainsim::sim
