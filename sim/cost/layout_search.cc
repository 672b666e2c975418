// Enumerate, check, price: each candidate is the scenario with its layout replaced, through the same layout
// rules and memory model the loader and `trainsim run` use, so a plan never proposes what run would refuse.
#include "sim/cost/layout_search.h"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <cstring>
#include <utility>

#include "core/available_cores.h"
#include "core/child_process.h"
#include "core/error.h"
#include "sim/scenario/layout_rules.h"
#include "sim/step/priced_scenario.h"
#include "sim/step/step_estimate.h"
#include "sim/step/step_simulation.h"

namespace trainsim::sim {
namespace {

// ZeRO 1 to 3 and the scenario's own stage (0 where its framework shards nothing).
std::vector<int> zero_stages(const Scenario& s) {
  std::vector<int> stages{1, 2, 3};
  if (std::find(stages.begin(), stages.end(), s.layout.zero_stage) == stages.end())
    stages.insert(stages.begin(), s.layout.zero_stage);
  return stages;
}

// The context-parallel degrees to try: 1, then powers of two while each rank keeps at least
// kCpMinTokensPerRank tokens of a sequence (and 2 cp divides it), and the scenario's own. 4096 is the smallest
// share of a sequence a rank keeps in the published CP runs the project checks (NVIDIA's Llama 3.1 405B recipe,
// CP 2 at 8192, docs/sources.md#megatron-bridge-h100; Llama 3's CP 16 at 131,072 keeps 8192): below it a rank's
// attention is short beside the K and V it moves. At sequence 4096 and shorter only cp 1 is tried.
constexpr int kCpMinTokensPerRank = 4096;
std::vector<int> context_degrees(const Scenario& s) {
  const int sequence = s.job.sequence_length;
  std::vector<int> degrees{1};
  for (int cp = 2; sequence / cp >= kCpMinTokensPerRank && sequence % (2 * cp) == 0; cp *= 2)
    degrees.push_back(cp);
  if (std::find(degrees.begin(), degrees.end(), s.layout.cp) == degrees.end()) degrees.push_back(s.layout.cp);
  return degrees;
}

std::vector<ParallelLayout> enumerate(const Scenario& s) {
  const int gpus = s.cluster.gpu_count();
  const bool moe = s.job.model.is_moe();
  const std::vector<int> zeros = zero_stages(s);
  std::vector<std::pair<int, int>> tp_cp;  // the degrees that split a micro-batch within a stage
  for (int tp : {1, 2, 4, 8})
    for (int cp : context_degrees(s)) tp_cp.emplace_back(tp, cp);
  std::vector<ParallelLayout> out;
  for (int pp : {1, 2, 4, 8, 16, 32, 64}) {
    if (gpus % pp != 0 || pp > s.job.model.num_layers) continue;
    for (const auto& [tp, cp] : tp_cp) {
      if (tp > s.cluster.gpus_per_node || (gpus / pp) % (tp * cp) != 0) continue;
      const int dp = gpus / pp / tp / cp;
      for (ScheduleKind schedule : kAllScheduleKinds) {
        if (schedule == ScheduleKind::kGPipe) continue;  // never better than 1F1B at the same memory
        for (int v : {1, 2, 4, 8}) {  // 8: Llama 3's 405B (docs/sources.md#llama3-pipeline)
          if ((v > 1) != (schedule == ScheduleKind::kInterleaved)) continue;
          for (int ep : {1, 8, 16, 32, 64}) {
            if ((ep > 1) != moe || (dp * tp * cp) % ep != 0) continue;
            for (int mb : {1, 2, 4}) {
              for (models::Recompute recompute : {models::Recompute::kNone, models::Recompute::kSelective,
                                                  models::Recompute::kFull, models::Recompute::kDeepSeek}) {
                if (recompute == models::Recompute::kDeepSeek && !moe) continue;
                for (int zero : zeros) {
                  for (bool ep_overlap : {false, true}) {  // Megatron-Core's EP overlap where its rules allow it
                    ParallelLayout l = s.layout;
                    l.ep_overlap = ep_overlap;
                    l.pp = pp;
                    l.tp = tp;
                    l.sequence_parallel = tp > 1;
                    l.tp_comm_overlap = s.layout.tp_comm_overlap && tp > 1;  // the scenario's framework, where TP runs
                    l.cp = cp;
                    l.dp = dp;
                    l.ep = ep;
                    l.schedule = schedule;
                    l.virtual_stages = v;
                    l.micro_batch_size = mb;
                    l.recompute = recompute;
                    l.zero_stage = zero;
                    l.layers_per_stage.clear();
                    l.decoder_first_pipeline_num_layers = 0;
                    l.decoder_last_pipeline_num_layers = 0;
                    if (ep_overlap_refusal(l)) continue;
                    out.push_back(l);
                  }
                }
              }
            }
          }
        }
      }
    }
  }
  return out;
}

double thread_cpu_s() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + 1e-9 * static_cast<double>(now.tv_nsec);
}

PlanCandidate price(const Scenario& s) {
  const PricedScenario priced(s);
  const Estimate e = estimate_step(priced);  // throws ConfigError when it does not fit
  PlanCandidate c;
  c.layout = s.layout;
  c.closed_form_step_s = e.step.step_time_s;
  c.mfu = e.step.mfu;
  c.memory_gib = e.memory.breakdown.total_bytes() / 1073741824.0;
  c.bubble_s = e.step.bubble_s;
  c.exposed_comm_s = e.step.exposed_comm_s;
  c.compute_s = e.step.compute_s;
  return c;
}

// The simulated steps of `candidates`' layouts, each in a child, all cores at once; 0 where the engine refused.
void simulate(const Scenario& base, std::vector<PlanCandidate*> candidates, Fidelity fidelity) {
  std::vector<std::function<std::string()>> works;
  for (const PlanCandidate* c : candidates) {
    works.push_back([&base, layout = c->layout, fidelity] {
      Scenario s = base;
      s.layout = layout;
      const PricedScenario priced(s);
      StepGraphOptions options;
      options.fidelity = fidelity;
      const double step = simulate_step(priced, s.job.global_batch_sequences, options).step.step_time_s;
      return std::string(reinterpret_cast<const char*>(&step), sizeof step);
    });
  }
  const std::vector<ChildResult> results =
      run_in_children(works, available_cores());
  for (size_t i = 0; i < candidates.size(); ++i)
    if (results[i].ok() && results[i].bytes.size() == sizeof(double))
      std::memcpy(&candidates[i]->simulated_step_s, results[i].bytes.data(), sizeof(double));
}

}  // namespace

std::string layout_text(const ParallelLayout& l) {
  return fmt::format("PP {} {}{}, TP {}{}{}, EP {}{}, DP {} ZeRO-{}, mb {}, recompute {}", l.pp,
                     schedule_name(l.schedule), l.virtual_stages > 1 ? fmt::format(" (v={})", l.virtual_stages) : "",
                     l.tp, l.sequence_parallel ? "+SP" : "", l.cp > 1 ? fmt::format(", CP {}", l.cp) : "", l.ep,
                     l.ep_overlap ? "+overlap" : "", l.dp, l.zero_stage, l.micro_batch_size,
                     models::recompute_description(l.recompute, l.recompute_modules));
}

LayoutPlan plan_layouts(const Scenario& scenario, const PlanRequest& request) {
  LayoutPlan plan;
  const std::vector<ParallelLayout> layouts = enumerate(scenario);
  plan.considered = static_cast<int>(layouts.size());
  std::vector<PlanCandidate> priced;
  const double start_cpu_s = thread_cpu_s();
  for (size_t i = 0; i < layouts.size(); ++i) {
    Scenario s = scenario;
    s.layout = layouts[i];
    s.phases.clear();
    try {
      check_layout_rules(s);
    } catch (const ConfigError&) {
      ++plan.rule_refused;
      continue;
    }
    try {
      priced.push_back(price(s));
    } catch (const ConfigError&) {
      ++plan.memory_refused;
    }
    if (request.progress && i % 64 == 0) request.progress(0.8 * static_cast<double>(i) / static_cast<double>(layouts.size()));
  }
  plan.closed_form_cpu_s = thread_cpu_s() - start_cpu_s;
  // Fastest first; equal steps by the objective's tie-breaker (less memory for cost and days, then input order).
  std::stable_sort(priced.begin(), priced.end(), [&](const PlanCandidate& a, const PlanCandidate& b) {
    if (a.closed_form_step_s != b.closed_form_step_s) return a.closed_form_step_s < b.closed_form_step_s;
    return request.objective != PlanObjective::kMfu && a.memory_gib < b.memory_gib;
  });
  priced.resize(std::min(priced.size(), static_cast<size_t>(std::max(1, request.keep))));
  plan.best = priced;
  Scenario current = scenario;
  current.phases.clear();
  try {
    plan.current = price(current);
  } catch (const ConfigError&) {
    plan.current_fits = false;
    plan.current.layout = scenario.layout;
  }
  if (request.rerank != Fidelity::kAnalytic) {
    std::vector<PlanCandidate*> all;
    for (PlanCandidate& c : plan.best) all.push_back(&c);
    if (plan.current_fits) all.push_back(&plan.current);
    simulate(current, all, request.rerank);
    std::stable_sort(plan.best.begin(), plan.best.end(),
                     [](const PlanCandidate& a, const PlanCandidate& b) { return a.step_s() < b.step_s(); });
  }
  if (request.progress) request.progress(1.0);
  return plan;
}

}  // namespace trainsim::sim
