// The activity graph of one training step at an event-driven fidelity: the schedule's ops expanded into
// their layers' engine ops (stage_ops.h) on the GPUs of one pipeline replica, communication as flows on
// DeepSeek-V3's paths, then the ZeRO collectives and the optimizer step.
//
// stage: one representative GPU per pipeline device. Its communication goes to idle peers that stand for the
//   rest of its group (the next GPU of its node over NVLink, the same GPU index on the next node over its
//   NIC), so its own links carry what they would in the full cluster. Under balanced routing the traffic it
//   receives is not simulated (links are duplex and it receives what it sends, so it meets no flow of its own).
//   With a routed load it is, at each MoE layer of each micro-batch, the EP group's straggler
//   (RoutedLoadView::straggler): its experts compute its own rows and its ports carry its own matrix row out and
//   column in, the column as flows from the same idle peers into it, since the straggler receives more than it
//   sends and the extra bytes take its NIC's time.
// gpu: every GPU of one pipeline replica with its EP and TP groups. Under balanced routing each GPU's share
//   of an all-to-all is merged into one NVLink flow (to the next GPU of its node in the group) and one NIC flow
//   (to the same index on the next node of the group): every NVLink and NIC port carries the bytes of the
//   node-limited pattern and flows of equal size end together, so the time is that of the 21 flows per GPU
//   (tests/sim/step_graph_test.cc checks it), at a tenth of the flows. With a routed load the ports differ, and
//   an all-to-all on a non-blocking fabric lasts as long as its busiest port (bytes in or out over its rate),
//   so what the result needs is each port's own totals, its matrix row out and column in, not the pairs: the
//   NVLink matrix of each node and the NIC matrix of each plane (one local index on every node) are carried by
//   at most 2n - 1 flows among their n GPUs that load every port as the matrix does (port_flows.h), about two
//   per GPU and link where the pairs would be 7 each at EP 64, and balanced routing's ring where the load is
//   balanced. A GPU's next op waits for what it sent and what it received.
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/routed_load.h"
#include "sim/engine/activity_graph.h"
#include "sim/engine/engine.h"
#include "sim/scenario/scenario.h"
#include "sim/scenario/stage_plan.h"
#include "sim/step/priced_scenario.h"
#include "sim/step/work_tag.h"

namespace trainsim::sim {

enum class Fidelity { kAnalytic, kStage, kGpu };

std::string_view fidelity_name(Fidelity fidelity);  // "analytic", "stage", "gpu"
std::optional<Fidelity> fidelity_from_name(std::string_view name);  // nullopt for another name

struct StepGraphOptions {
  Fidelity fidelity = Fidelity::kStage;
  // false: no communication ops and P2P flows of zero bytes (the check against the ideal executor).
  bool communication = true;
  // What routing puts on each GPU of an EP group (the router's output); null: balanced, the expectation under
  // uniform routing that the op catalog prices. Each GPU's routed experts are re-priced at its rows
  // (routed_expert_pricing.h) and its all-to-alls follow the traffic matrices (see above). Shared, not copied:
  // a step's load holds megabytes of matrices.
  std::shared_ptr<const models::RoutedStepLoad> routed_load;
  std::function<void(double)> progress;  // EngineOptions::progress
};

struct StepGraph {
  ActivityGraph graph;
  WorkTags tags;               // what the graph's activity tags mean
  int devices = 0;             // pipeline devices (schedule ranks)
  int members = 1;             // simulated GPUs per device; timeline rank = device x members + member
  int microbatches = 0;
  EngineOptions engine;
  std::vector<std::string> notes;  // where this level approximates
};

StepGraph build_step_graph(const PricedScenario& priced, int microbatches, const StepGraphOptions& options);

}  // namespace trainsim::sim
