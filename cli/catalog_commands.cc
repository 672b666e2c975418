// `trainsim models` and `trainsim gpus`: the model presets and the GPU catalog.
#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/output.h"
#include "reports/catalog_tables.h"

namespace trainsim::cli {

void add_models_command(CLI::App& app) {
  auto json = std::make_shared<bool>(false);
  auto sequence_length = std::make_shared<int>(4096);
  CLI::App* models = app.add_subcommand("models", "List the model presets with parameters, active parameters, training "
                                                  "FLOPs per token and KV cache per token");
  models->add_flag("--json", *json, "Print JSON");
  models->add_option("--sequence-length", *sequence_length, "Sequence length for the FLOPs per token")
      ->check(CLI::Range(1, 10'000'000));
  models->callback([json, sequence_length] {
    emit(*json ? reports::format_model_json(*sequence_length) : reports::format_model_table(*sequence_length), "");
  });
}

void add_gpus_command(CLI::App& app) {
  auto json = std::make_shared<bool>(false);
  CLI::App* gpus = app.add_subcommand("gpus", "List the GPU catalog: peaks per dtype, memory, links, power, price, sources");
  gpus->add_flag("--json", *json, "Print JSON");
  gpus->callback([json] { emit(*json ? reports::format_gpu_json() : reports::format_gpu_table(), ""); });
}

}  // namespace trainsim::cli
