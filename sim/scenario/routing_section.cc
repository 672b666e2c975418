// One reader per key, each range with a sentence; cross-checks against the model and EP last.
#include "sim/scenario/routing_section.h"

#include <fmt/format.h>

#include <filesystem>
#include <vector>

#include "core/input_ranges.h"
#include "models/routed_step.h"
#include "models/routing_replay.h"

namespace trainsim::sim {
namespace {

using Keys = std::vector<std::string>;

constexpr IntegerRange kPoolTokens{1, 1 << 24, "16M tokens routed exactly cost most of a minute a layer (about 2 us a token)"};
constexpr IntegerRange kWarmupSteps{0, 100000, "each step routes every MoE layer once: 100,000 steps take hours"};
constexpr IntegerRange kRedundantExperts{0, 1 << 16, "DeepSeek-V3 deploys 32 for 256 experts"};

double number_in(const ConfigNode& node, const std::string& key, double min, double max, const char* why,
                 double fallback) {
  const auto child = node.get(key);
  if (!child) return fallback;
  const double v = child->as_number();
  if (!(v >= min && v <= max)) child->fail(fmt::format("{} is out of range", child->as_string()),
                                           fmt::format("a number from {} to {}", min, max),
                                           fmt::format("why this range: {}", why));
  return v;
}

models::RoutingSource source_of(const ConfigNode& node) {
  const std::string kind = node.as_choice(Keys{"balanced", "synthetic", "replay"});
  return kind == "synthetic" ? models::RoutingSource::kSynthetic
         : kind == "replay"  ? models::RoutingSource::kReplay
                             : models::RoutingSource::kBalanced;
}

void read_knobs(const ConfigNode& node, models::RouterSpec& r) {
  r.zipf_exponent = number_in(node, "zipf_exponent", 0, 4, "s = 4 gives the top expert 16x the second's load", r.zipf_exponent);
  r.token_noise = number_in(node, "token_noise", 1e-3, 100, "the Gumbel scale of each token's logits; 0 would make every token route alike", r.token_noise);
  r.layer_correlation = number_in(node, "layer_correlation", 0, 1, "a correlation, from independent to identical", r.layer_correlation);
  r.microbatch_correlation = number_in(node, "microbatch_correlation", 0, 1, "a correlation, from independent to identical", r.microbatch_correlation);
  r.drift_steps = number_in(node, "drift_steps", 0, 1e9, "steps until the popularity is a new one; 0: none", r.drift_steps);
  r.pool_tokens = static_cast<int>(node.integer_or("pool_tokens", kPoolTokens, r.pool_tokens));
  if (const auto b = node.get("balancing"))
    r.balancing = b->as_choice(Keys{"aux-loss-free", "none"}) == "none" ? models::BiasBalancing::kNone
                                                                       : models::BiasBalancing::kAuxLossFree;
  r.bias_update_speed = number_in(node, "bias_update_speed", 0, 1, "sigmoid scores lie in (0, 1): a larger step overshoots any gap", r.bias_update_speed);
  r.sequence_aux_loss = node.bool_or("sequence_aux_loss", r.sequence_aux_loss);
  r.warmup_steps = static_cast<int>(node.integer_or("warmup_steps", kWarmupSteps, r.warmup_steps));
  if (const auto p = node.get("placement")) {
    const std::string name = p->as_choice(Keys{"uniform", "eplb-hierarchical", "eplb-global"});
    r.placement = name == "uniform"             ? models::PlacementPolicy::kUniform
                  : name == "eplb-hierarchical" ? models::PlacementPolicy::kEplbHierarchical
                                                : models::PlacementPolicy::kEplbGlobal;
  }
  r.redundant_experts = static_cast<int>(node.integer_or("redundant_experts", kRedundantExperts, 0));
}

}  // namespace

void read_routing(const ConfigNode& node, const std::string& scenario_dir, Scenario& s) {
  models::RouterSpec& r = s.routing;
  s.locations[node.path()] = node.location();
  if (node.is_scalar()) {
    if (node.as_choice(Keys{"balanced", "synthetic"}) == "synthetic") r.source = models::RoutingSource::kSynthetic;
  } else {
    node.require_map();
    node.allow_only(Keys{"kind", "file", "zipf_exponent", "token_noise", "layer_correlation", "microbatch_correlation",
                         "drift_steps", "pool_tokens", "balancing", "bias_update_speed", "sequence_aux_loss", "warmup_steps",
                         "placement", "redundant_experts"});
    if (const auto kind = node.get("kind")) r.source = source_of(*kind);
    read_knobs(node, r);
    for (const std::string& key : node.keys()) s.locations[node.path() + "." + key] = node.require(key).location();
  }
  const models::ModelConfig& model = s.job.model;
  if (r.source != models::RoutingSource::kBalanced && !model.is_moe())
    node.fail(fmt::format("{} routing for {}, which has no routed experts", models::routing_source_name(r.source), model.name),
              "routing: balanced (or no routing section) for a dense model");
  if (r.redundant_experts > 0 && r.placement == models::PlacementPolicy::kUniform)
    node.require("redundant_experts").fail("redundant experts with uniform placement",
                                           "placement: eplb-hierarchical or eplb-global",
                                           "only DeepSeek's EPLB policies place replicas");
  if (r.redundant_experts > 0 && model.is_moe() && (model.moe.routed_experts + r.redundant_experts) % s.layout.ep != 0)
    node.fail(fmt::format("{} routed + {} redundant experts do not split evenly over ep {}", model.moe.routed_experts,
                          r.redundant_experts, s.layout.ep),
              "a number of redundant experts that makes the physical slots a multiple of ep");
  const auto file = node.is_map() ? node.get("file") : std::nullopt;
  if (r.source == models::RoutingSource::kReplay) {
    if (!file) node.fail("kind: replay without a file", "file: a CSV of per-expert token counts (docs/routing-replay.md)");
    const std::filesystem::path path = std::filesystem::path(scenario_dir) / file->as_string();
    r.replay_file = path.lexically_normal().string();
    const std::vector<int> layers = models::moe_layer_indices(model);
    try {
      models::load_routing_replay(r.replay_file, model.moe.routed_experts, layers);
    } catch (const ConfigError&) {
      throw;  // located in the replay file itself
    } catch (const Error& e) {
      file->fail(e.what(), "a readable CSV file, relative to the scenario file");
    }
  } else if (file) {
    file->fail("a file without kind: replay", "kind: replay, or no file");
  }
}

}  // namespace trainsim::sim
