// Each phase is the main scenario text parsed again with the phase's values as overrides (the same path as
// --set), so every rule of a scenario holds for it too.
#include "sim/scenario/training_phases.h"

#include <fmt/format.h>

#include <cmath>
#include <vector>

#include "core/input_ranges.h"
#include "sim/scenario/scenario_loader.h"

namespace trainsim::sim {
namespace {

using Keys = std::vector<std::string>;

TrainingPhase read_phase(const ConfigNode& phase, int index, const std::string& text, const std::string& source,
                         std::span<const std::string> overrides, const Scenario& main) {
  if (!phase.is_map()) phase.fail("is not a phase", "a mapping with name and tokens, steps or gpu_hours");
  phase.allow_only(Keys{"name", "sequence_length", "global_batch", "tokens", "steps", "gpu_hours", "parallelism"});
  TrainingPhase out;
  out.name = phase.require("name").as_string();
  if (auto hours = phase.get("gpu_hours")) {
    for (const char* other : {"sequence_length", "global_batch", "tokens", "steps", "parallelism"})
      if (auto o = phase.get(other))
        o->fail(fmt::format("{} beside gpu_hours", other), "gpu_hours alone (work given, not modelled) or no gpu_hours");
    out.given_gpu_hours = hours->as_quantity(ranges::kGpuHours);
    return out;
  }
  const int sequence_length = static_cast<int>(
      phase.integer_or("sequence_length", ranges::kSequenceLength, main.job.sequence_length));
  const int batch = static_cast<int>(phase.integer_or("global_batch", ranges::kGlobalBatch, main.job.global_batch_sequences));
  const auto tokens = phase.get("tokens");
  const auto steps = phase.get("steps");
  if (tokens.has_value() == steps.has_value())
    phase.fail(tokens ? "has both tokens and steps" : "has neither tokens, steps nor gpu_hours",
               "one of tokens, steps (each step global_batch x sequence_length tokens) or gpu_hours");
  const double phase_tokens = tokens ? tokens->as_quantity(ranges::kTokens)
                                     : static_cast<double>(steps->as_integer(1, 1'000'000'000)) * batch * sequence_length;

  // The phase's values over the main file; "at" names where each came from in an error's location.
  std::vector<std::string> phase_overrides(overrides.begin(), overrides.end());
  phase_overrides.push_back(fmt::format("training.sequence_length={}", sequence_length));
  phase_overrides.push_back(fmt::format("training.global_batch={}", batch));
  phase_overrides.push_back(fmt::format("training.tokens={:.17g}", std::ceil(phase_tokens)));
  phase_overrides.push_back("training.batch_ramp=null");
  phase_overrides.push_back("training.phases=[]");
  if (auto parallelism = phase.get("parallelism")) {
    parallelism->require_map();
    // A phase that changes the layout and leaves dp out gets the dp the GPUs give (as a scenario without dp
    // does), not the main training's; where pp x tp x cp does not divide the GPUs the rules say so at the phase.
    if (!parallelism->has("dp")) {
      auto degree = [&](const char* key, int main_degree) {
        const auto v = parallelism->get(key);
        return v ? static_cast<int>(v->as_integer(1, 1 << 20)) : main_degree;
      };
      const int model_parallel =
          degree("pp", main.layout.pp) * degree("tp", main.layout.tp) * degree("cp", main.layout.cp);
      if (main.cluster.gpu_count() % model_parallel == 0)
        phase_overrides.push_back(fmt::format("parallelism.dp={}", main.cluster.gpu_count() / model_parallel));
    }
    for (const std::string& key : parallelism->keys())
      phase_overrides.push_back(fmt::format("parallelism.{}={}", key, parallelism->require(key).as_string()));
  }
  try {
    out.scenario = std::make_shared<const Scenario>(parse_scenario(text, source, phase_overrides));
  } catch (const ConfigError& e) {
    // Where the phase is, with what the rule said about the phase's own scenario.
    throw ConfigError(phase.location(), fmt::format("phase {} ('{}'): {}: {}", index, out.name, e.where().key_path, e.problem()), e.expected(),
                      e.hint());
  }
  return out;
}

}  // namespace

void read_training_phases(const ConfigNode& node, const std::string& text, const std::string& source,
                          std::span<const std::string> overrides, Scenario& s) {
  if (node.is_null()) return;
  if (!node.is_sequence()) node.fail("is not a list of phases", "a list of mappings, one per phase");
  int index = 0;
  for (const ConfigNode& phase : node.elements()) s.phases.push_back(read_phase(phase, index++, text, source, overrides, s));
}

}  // namespace trainsim::sim
