// `trainsim plan`: the layouts a scenario's model and cluster could run with (pp, schedule, virtual stages,
// tp with sequence parallelism, ep, dp and ZeRO stage, micro-batch, recompute), pruned by the layout rules and
// memory, ranked by the closed form, and the best re-ranked by the event engine. With the cluster and token
// budget fixed, cost, days and MFU all follow the step time; the objective only breaks ties.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "sim/scenario/scenario.h"
#include "sim/step/step_graph.h"

namespace trainsim::sim {

enum class PlanObjective { kCost, kDays, kMfu };

struct PlanCandidate {
  ParallelLayout layout;
  double closed_form_step_s = 0;
  double simulated_step_s = 0;  // 0 unless re-ranked by the engine
  double mfu = 0;
  double memory_gib = 0;
  double bubble_s = 0, exposed_comm_s = 0, compute_s = 0;  // of the closed form
  double step_s() const { return simulated_step_s > 0 ? simulated_step_s : closed_form_step_s; }
};

struct LayoutPlan {
  int considered = 0;        // layouts enumerated
  int rule_refused = 0;      // refused by a layout rule
  int memory_refused = 0;    // over the GPU's memory
  // CPU time this thread spent pricing with the closed form: the search runs on one core, and on a shared
  // machine its wall time would also count other processes' turns.
  double closed_form_cpu_s = 0;
  std::vector<PlanCandidate> best;  // the best, re-ranked by the engine where asked, fastest first
  PlanCandidate current;            // the scenario's own layout as it prices (closed form, and simulated)
  bool current_fits = true;
};

struct PlanRequest {
  PlanObjective objective = PlanObjective::kCost;
  int keep = 5;             // candidates kept and re-ranked
  Fidelity rerank = Fidelity::kStage;  // kAnalytic: no re-ranking
  std::function<void(double)> progress;
};

LayoutPlan plan_layouts(const Scenario& scenario, const PlanRequest& request);

// "PP 16 dualpipe, TP 1, EP 64, DP 128 ZeRO-1, mb 1, recompute deepseek".
std::string layout_text(const ParallelLayout& layout);

}  // namespace trainsim::sim
