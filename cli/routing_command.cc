// `trainsim routing SCENARIO`: what the scenario's expert routing does: MaxVio over steps with and without
// bias balancing, each GPU's load, the all-to-all bytes and the step time of each routing variant
// (sim/cost/routing_study.h); --out DIR adds the two pictures.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/progress_line.h"
#include "reports/routing_report.h"
#include "sim/cost/routing_study.h"
#include "sim/scenario/scenario_loader.h"

namespace trainsim::cli {

void add_routing_command(CLI::App& app) {
  struct Options {
    std::string scenario;
    std::vector<std::string> set;
    int steps = 20;
    int layer = -1;
    bool json = false;
    std::string output;
    std::string out_dir;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = app.add_subcommand(
      "routing", "What the scenario's expert routing does: MaxVio over steps with and without bias balancing, each "
                 "GPU's load, nodes per token, all-to-all bytes and the step time of each routing variant");
  command->add_option("scenario", options->scenario, "Scenario YAML file with a routing section (default: the default "
                                                     "scenario, which needs --set routing=synthetic)");
  add_set_option(*command, options->set);
  command->add_option("--steps", options->steps, "Bias-balancing steps traced and warmed up per layer (default 20; about 2.5 s each on the default scenario)")
      ->check(CLI::Range(1, 100000));
  command->add_option("--layer", options->layer, "The MoE layer traced over steps (model layer index; default the first)");
  command->add_flag("--json", options->json, "Print one JSON object instead of the summary");
  command->add_option("-o,--output", options->output, "Write the summary or JSON to this file");
  command->add_option("--out", options->out_dir, "Also write maxvio.svg and gpu-load.svg (as generated) and "
                                                 "gpu-load-balanced.svg (after bias balancing) into this folder");
  command->callback([options] {
    const std::string path = options->scenario.empty() ? default_scenario_path() : options->scenario;
    const sim::Scenario scenario = sim::load_scenario(path, options->set);
    OutputFiles outputs;
    const OutputFiles::Id text = outputs.plan("-o", options->output);
    OutputFiles::Id maxvio{}, load{}, balanced{};
    if (!options->out_dir.empty()) {
      std::filesystem::create_directories(options->out_dir);
      maxvio = outputs.plan("--out", options->out_dir + "/maxvio.svg");
      load = outputs.plan("--out", options->out_dir + "/gpu-load.svg");
      balanced = outputs.plan("--out", options->out_dir + "/gpu-load-balanced.svg");
    }
    sim::RoutingStudyRequest request;
    request.steps = options->steps;
    request.trace_layer = options->layer;
    request.progress = fraction_progress("routing");
    const sim::RoutingStudy study = sim::study_routing(scenario, request);
    outputs.stage(text, options->json ? reports::format_routing_json(scenario, study)
                                      : reports::format_routing_summary(scenario, study));
    if (!options->out_dir.empty()) {
      outputs.stage(maxvio, reports::routing_maxvio_svg(scenario, study));
      outputs.stage(load, reports::routing_heatmap_svg(scenario, study, "as generated"));
      outputs.stage(balanced, reports::routing_heatmap_svg(scenario, study, "bias balancing"));
    }
    commit_outputs(outputs);
  });
}

}  // namespace trainsim::cli
