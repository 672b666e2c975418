// Placement by dynamic programming over prefix sums (stages x layers^2: 16 x 61^2 is nothing), and the
// device-to-stage maps: interleaved round-robin (Megatron-LM), DualPipe's stage r and pp-1-r, DualPipeV's V;
// Megatron-Core's split rules (transformer_config.py __post_init__, transformer_block.py).
#include "sim/scenario/stage_plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <numeric>
#include <tuple>

namespace trainsim::sim {
namespace {

std::vector<std::vector<int>> device_stage_map(const ParallelLayout& l) {
  std::vector<std::vector<int>> map(static_cast<size_t>(l.pp));
  for (int d = 0; d < l.pp; ++d) {
    auto& stages = map[static_cast<size_t>(d)];
    switch (l.schedule) {
      case ScheduleKind::kInterleaved:
        for (int v = 0; v < l.virtual_stages; ++v) stages.push_back(d + v * l.pp);
        break;
      case ScheduleKind::kDualPipe: stages = {d, l.pp - 1 - d}; break;
      case ScheduleKind::kDualPipeV: stages = {d, 2 * l.pp - 1 - d}; break;
      default: stages = {d}; break;
    }
  }
  return map;
}

[[noreturn]] void refuse_split(const Scenario& s, const std::string& key, const std::string& problem,
                               const std::string& expected, const std::string& hint = {}) {
  throw ConfigError(s.where("parallelism." + key), problem, expected, hint);
}

// The first and last ranks' counts given, the middle ranks' even; each rank's spread over its v chunks.
std::vector<int> first_last_split(const Scenario& s) {
  const ParallelLayout& l = s.layout;
  const int layers = s.job.model.num_layers, v = l.virtual_stages;
  const int first = l.decoder_first_pipeline_num_layers, last = l.decoder_last_pipeline_num_layers;
  std::vector<int> per_rank(static_cast<std::size_t>(l.pp), 0);
  int middle_layers = layers, middle_ranks = l.pp;
  for (auto [count, rank, key] : {std::tuple{first, 0, "decoder_first_pipeline_num_layers"},
                                  std::tuple{last, l.pp - 1, "decoder_last_pipeline_num_layers"}}) {
    if (count == 0) continue;
    if (count % v != 0)
      refuse_split(s, key, fmt::format("{} layers do not split over {} virtual stages", count, v),
                   fmt::format("a multiple of virtual_stages ({})", v), "Megatron-Core requires it (transformer_config.py)");
    per_rank[static_cast<std::size_t>(rank)] = count;
    middle_layers -= count;
    --middle_ranks;
  }
  const std::string key = first > 0 ? "decoder_first_pipeline_num_layers" : "decoder_last_pipeline_num_layers";
  if (middle_layers < 0 || (middle_ranks == 0 && middle_layers != 0) ||
      (middle_ranks > 0 && middle_layers % (middle_ranks * v) != 0))
    refuse_split(s, key,
                 fmt::format("leaves {} of the {} layers for {} middle pipeline ranks of {} virtual stages", middle_layers,
                             layers, middle_ranks, v),
                 "a remainder that splits evenly over the middle ranks and their virtual stages",
                 "Megatron-Core requires it (transformer_config.py)");
  for (int& count : per_rank)
    if (count == 0) count = middle_layers / middle_ranks;
  std::vector<int> counts(static_cast<std::size_t>(l.stage_count()));
  for (int stage = 0; stage < l.stage_count(); ++stage)  // stage d + k pp is chunk k of rank d (interleaved)
    counts[static_cast<std::size_t>(stage)] = per_rank[static_cast<std::size_t>(stage % l.pp)] / v;
  return counts;
}

// The embedding and the loss counted as layers: every stage even, the first and last a layer short.
std::vector<int> embedding_loss_split(const Scenario& s) {
  const ParallelLayout& l = s.layout;
  const int embedding = l.account_for_embedding_in_pipeline_split ? 1 : 0;
  const int loss = l.account_for_loss_in_pipeline_split ? 1 : 0;
  const int layers = s.job.model.num_layers + embedding + loss, stages = l.stage_count();
  if (layers % stages != 0)
    refuse_split(s, embedding ? "account_for_embedding_in_pipeline_split" : "account_for_loss_in_pipeline_split",
                 fmt::format("{} layers{}{} do not split evenly over {} pipeline stages", s.job.model.num_layers,
                             embedding ? " + the embedding" : "", loss ? " + the loss" : "", stages),
                 fmt::format("a stage count dividing {}", layers), "Megatron-Core requires it (transformer_config.py)");
  std::vector<int> counts(static_cast<std::size_t>(stages), layers / stages);
  counts.front() -= embedding;
  counts.back() -= loss;
  return counts;
}

}  // namespace

std::optional<std::vector<int>> megatron_layers_per_stage(const Scenario& s) {
  const ParallelLayout& l = s.layout;
  const bool first_last = l.decoder_first_pipeline_num_layers > 0 || l.decoder_last_pipeline_num_layers > 0;
  const bool accounted = l.account_for_embedding_in_pipeline_split || l.account_for_loss_in_pipeline_split;
  if (!first_last && !accounted) return std::nullopt;
  const std::string key = first_last ? (l.decoder_first_pipeline_num_layers > 0 ? "decoder_first_pipeline_num_layers"
                                                                                : "decoder_last_pipeline_num_layers")
                                     : l.account_for_embedding_in_pipeline_split ? "account_for_embedding_in_pipeline_split"
                                                                                 : "account_for_loss_in_pipeline_split";
  if (first_last && accounted)
    refuse_split(s, key, "both Megatron split styles at once", "decoder_first/last_pipeline_num_layers or account_for_*, not both",
                 "Megatron-Core applies the first/last counts and ignores the account_for flags");
  if (!l.layers_per_stage.empty())
    refuse_split(s, key, "a Megatron split beside an explicit layers_per_stage list", "one of the two",
                 "layers_per_stage: auto");
  if (l.schedule == ScheduleKind::kDualPipe || l.schedule == ScheduleKind::kDualPipeV)
    refuse_split(s, key, fmt::format("Megatron's pipeline splits with the {} schedule", schedule_name(l.schedule)),
                 "1f1b, interleaved, gpipe or zb1p", "or layers_per_stage: a count per stage");
  return first_last ? first_last_split(s) : embedding_loss_split(s);
}

std::vector<int> balanced_layers_per_stage(const models::ModelConfig& m, int stage_count, const PlacementCosts& c) {
  const int layers = m.num_layers;
  std::vector<double> prefix(static_cast<size_t>(layers) + 1, 0.0);
  for (int i = 0; i < layers; ++i)
    prefix[static_cast<size_t>(i) + 1] = prefix[static_cast<size_t>(i)] + (m.is_moe_layer(i) ? c.moe_layer : c.dense_layer);
  const double last_extra = c.output_head + m.mtp_depth * c.mtp_module;
  auto stage_cost = [&](int stage, int begin, int end) {
    double cost = prefix[static_cast<size_t>(end)] - prefix[static_cast<size_t>(begin)];
    if (stage == 0) cost += c.embedding;
    if (stage == stage_count - 1) cost += last_extra;
    return cost;
  };
  // best[s][e]: the least possible maximum stage cost placing layers [0, e) on stages [0, s).
  constexpr double kInf = std::numeric_limits<double>::infinity();
  const auto S = static_cast<size_t>(stage_count), L = static_cast<size_t>(layers);
  std::vector<std::vector<double>> best(S + 1, std::vector<double>(L + 1, kInf));
  std::vector<std::vector<int>> cut(S + 1, std::vector<int>(L + 1, 0));
  best[0][0] = 0;
  for (int s = 1; s <= stage_count; ++s) {
    for (int e = s; e <= layers - (stage_count - s); ++e) {
      for (int b = s - 1; b < e; ++b) {  // every stage holds at least one layer
        const double candidate = std::max(best[static_cast<size_t>(s) - 1][static_cast<size_t>(b)], stage_cost(s - 1, b, e));
        if (candidate < best[static_cast<size_t>(s)][static_cast<size_t>(e)] - 1e-12) {
          best[static_cast<size_t>(s)][static_cast<size_t>(e)] = candidate;
          cut[static_cast<size_t>(s)][static_cast<size_t>(e)] = b;
        }
      }
    }
  }
  std::vector<int> counts(S);
  int end = layers;
  for (int s = stage_count; s >= 1; --s) {
    const int begin = cut[static_cast<size_t>(s)][static_cast<size_t>(end)];
    counts[static_cast<size_t>(s) - 1] = end - begin;
    end = begin;
  }
  return counts;
}

StagePlan plan_stages(const Scenario& scenario, const PlacementCosts& costs) {
  const ParallelLayout& l = scenario.layout;
  const models::ModelConfig& m = scenario.job.model;
  const int stage_count = l.stage_count();
  std::vector<int> counts = l.layers_per_stage;
  if (const std::optional<std::vector<int>> megatron = megatron_layers_per_stage(scenario)) {
    counts = *megatron;
  } else if (counts.empty()) {
    counts = balanced_layers_per_stage(m, stage_count, costs);
  } else {
    if (static_cast<int>(counts.size()) != stage_count)
      throw ConfigError(scenario.where("parallelism.layers_per_stage"),
                        fmt::format("has {} entries for {} pipeline stages", counts.size(), stage_count),
                        fmt::format("one layer count per stage ({})", stage_count), "or layers_per_stage: auto");
    const int sum = std::accumulate(counts.begin(), counts.end(), 0);
    if (sum != m.num_layers)
      throw ConfigError(scenario.where("parallelism.layers_per_stage"),
                        fmt::format("places {} layers, but {} has {}", sum, m.name, m.num_layers),
                        "counts that cover every layer exactly once", "or layers_per_stage: auto");
  }
  StagePlan plan;
  int first = 0;
  for (int s = 0; s < stage_count; ++s) {
    Stage stage;
    stage.first_layer = first;
    stage.layer_count = counts[static_cast<size_t>(s)];
    stage.embedding = s == 0;
    stage.output_head = s == stage_count - 1;
    stage.mtp_modules = s == stage_count - 1 ? m.mtp_depth : 0;
    first += stage.layer_count;
    plan.stages.push_back(stage);
  }
  plan.device_stages = device_stage_map(l);
  return plan;
}

}  // namespace trainsim::sim
