// The activity graph of one training step at an event-driven fidelity: the schedule's ops expanded into
// their layers' engine ops (stage_ops.h) on the GPUs of one pipeline replica, communication as flows on
// DeepSeek-V3's paths, then the ZeRO collectives and the optimizer step.
//
// stage: one representative GPU per pipeline device. Its communication goes to idle peers that stand for the
//   rest of its group (the next GPU of its node over NVLink, the same GPU index on the next node over its
//   NIC), so its own links carry what they would in the full cluster; traffic it receives is not simulated
//   (links are duplex: it meets no outgoing flow of its own).
// gpu: every GPU of one pipeline replica with its EP and TP groups. Each GPU's share of an all-to-all is
//   merged into one NVLink flow (to the next GPU of its node in the group) and one NIC flow (to the same
//   index on the next node of the group): under balanced routing every NVLink and NIC port carries the
//   bytes of the node-limited pattern and flows of equal size end together, so the time is that of the
//   21 flows per GPU (tests/sim/step_graph_test.cc checks it), at a tenth of the flows. A GPU's next op
//   waits for what it sent and what it received.
#pragma once
#include <optional>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

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
  // Tokens each GPU of an EP group receives relative to the balanced share (the routing model's output),
  // one per EP rank; empty means balanced. gpu fidelity scales each GPU's routed-expert compute and the
  // bytes it receives; stage fidelity runs the busiest.
  std::vector<double> expert_load_factors;
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
