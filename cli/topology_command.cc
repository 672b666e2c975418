// `trainsim topology --kind K --radix R --endpoints E`: what a network of that kind and size is made of, what
// it costs, its bisection bandwidth, diameter and path diversity (hardware/topology_analysis.h); --compare
// lists every kind side by side; --svg draws a small one; --fail and --fail-links say what failures leave
// (hardware/topology_failures.h).
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstring>
#include <functional>

#include "cli/commands.h"
#include "cli/output.h"
#include "core/child_process.h"
#include "core/error.h"
#include "hardware/fabric_params.h"
#include "hardware/topology_failures.h"
#include "reports/topology_report.h"
#include "reports/topology_svg.h"
#include "sim/scenario/scenario_loader.h"
#include "sim/step/priced_scenario.h"
#include "sim/engine/group_collectives.h"
#include "sim/step/step_simulation.h"

namespace trainsim::cli {
namespace {

// The builders name cluster fields; on this command the user gave options.
std::string option_of(const std::string& key_path) {
  if (key_path == "cluster.switch_radix") return "--radix";
  if (key_path == "cluster.oversubscription") return "--oversubscription";
  return "--endpoints";
}

hw::Topology build(const hw::FabricRequest& request) {
  try {
    return hw::build_topology(request.kind, hw::fabric_params(request));
  } catch (const ConfigError& e) {
    throw ConfigError(SourceLocation{kCommandLineOrigin, 0, 0, option_of(e.where().key_path)},
                      fmt::format("{}: {}", hw::topology_abbreviation(request.kind), e.problem()), e.expected(),
                      e.hint());
  }
}

// The step time of `s` at `fidelity` on its network, in a child (one SimGrid run per process); what the child
// threw where it could not run.
std::vector<ChildResult> step_times(const std::vector<sim::Scenario>& scenarios, sim::Fidelity fidelity) {
  std::vector<std::function<std::string()>> works;
  for (const sim::Scenario& s : scenarios)
    works.push_back([&s, fidelity] {
      sim::StepGraphOptions options;
      options.fidelity = fidelity;
      const double step_s =
          sim::simulate_step(sim::PricedScenario(s), s.job.global_batch_sequences, options).step.step_time_s;
      return std::string(reinterpret_cast<const char*>(&step_s), sizeof step_s);
    });
  return run_in_children(works, 2);
}

double seconds_of(const ChildResult& r) {
  double s = 0;
  if (r.ok() && r.bytes.size() == sizeof s) std::memcpy(&s, r.bytes.data(), sizeof s);
  return s;
}

template <typename Options>
void scenario_network(const Options& options) {
  sim::Scenario failed = sim::load_scenario(options.scenario, options.set);
  hw::NetworkFailures& failures = failed.cluster.network_failures;
  failures.parts.insert(failures.parts.end(), options.failures.parts.begin(), options.failures.parts.end());
  if (options.failures.link_failure_rate > 0) failures.link_failure_rate = options.failures.link_failure_rate;
  if (options.failures.seed != 0) failures.seed = options.failures.seed;
  sim::Scenario healthy = failed;
  healthy.cluster.network_failures = {};
  const hw::Topology network = sim::build_scenario_topology(healthy);
  // The builders' switches: 64 ports (hw::topology_params); the NICs' line rate, the scenario's.
  constexpr int kRadix = 64;
  const double link_bytes_per_s = failed.cluster.nic_bandwidth_bytes_per_s;
  OutputFiles outputs;
  const OutputFiles::Id text = outputs.plan("-o", options.output);
  const hw::TopologyAnalysis analysis = hw::analyse_topology(network, kRadix, link_bytes_per_s, options.prices);
  if (failures.empty()) {
    const sim::GroupCollectiveFigures collectives = sim::simulate_group_collectives(network);
    outputs.stage(text, options.json ? reports::format_topology_json(analysis, &collectives)
                                     : reports::format_topology_summary(analysis, options.prices) +
                                           reports::format_collectives(collectives));
    commit_outputs(outputs);
    return;
  }
  const hw::FailedNetwork after = hw::fail_parts(network, failures, options.scenario, "--fail");
  reports::FailureComparison comparison;
  comparison.failures = failures;
  comparison.failed = after.failed;
  comparison.healthy = analysis;
  comparison.after = hw::analyse_topology(after.topology, kRadix, link_bytes_per_s, options.prices);
  comparison.reachability = hw::node_reachability(after.topology);
  comparison.fidelity = options.fidelity;
  const std::vector<ChildResult> steps = step_times({healthy, failed}, *sim::fidelity_from_name(options.fidelity));
  if (!steps[0].ok()) throw Error("the scenario's step on its healthy network: " + steps[0].error);
  comparison.healthy_step_s = seconds_of(steps[0]);
  comparison.failed_step_s = seconds_of(steps[1]);
  comparison.failed_step_error = steps[1].error;
  outputs.stage(text, options.json ? reports::format_failure_json(comparison) : reports::format_failure_summary(comparison));
  commit_outputs(outputs);
}

}  // namespace

void add_topology_command(CLI::App& app) {
  struct Options {
    std::string kind = "mpft";
    int radix = 64;
    int endpoints = 16384;
    int nics_per_node = 8;
    double link_gbps = 400;
    int oversubscription = 1;
    bool compare = false;
    bool json = false;
    std::string output;
    std::string svg;
    hw::NetworkPrices prices;
    hw::NetworkFailures failures;
    std::string scenario;
    std::vector<std::string> set;
    std::string fidelity = "stage";
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = app.add_subcommand(
      "topology", "A network of a kind and size: switches, links and transceivers, cost, bisection bandwidth "
                  "(max-flow), diameter and path diversity; --compare lists every kind side by side");
  std::map<std::string, hw::TopologyKind> kinds;
  for (hw::TopologyKind k : hw::all_topology_kinds()) kinds.emplace(std::string(hw::topology_abbreviation(k)), k);
  command->add_option("--kind", options->kind, "ft2, ft3, mpft, mrft, slimfly or dragonfly (default mpft)")
      ->check(CLI::IsMember(kinds));
  command->add_option("--radix", options->radix, "Ports per switch (default 64)")->check(CLI::Range(4, 1024));
  command->add_option("--endpoints", options->endpoints, "NICs on the network (default 16384)")
      ->check(CLI::Range(1, 1 << 20));
  command->add_option("--nics-per-node", options->nics_per_node, "NICs per node, one GPU each (default 8; MPFT has "
                                                                 "a plane per NIC, MRFT a rail)")
      ->check(CLI::Range(1, 64));
  command->add_option("--link-gbps", options->link_gbps, "Line rate of every NIC and cable in Gb/s (default 400)")
      ->check(CLI::Range(1.0, 1e5));
  command->add_option("--oversubscription", options->oversubscription,
                      "Leaf down:up ports of the fat-trees, e.g. 3 for 3:1 (default 1, non-blocking)")
      ->check(CLI::Range(1, 64));
  command->add_flag("--compare", options->compare, "Every kind side by side for the same endpoints and radix");
  command->add_flag("--json", options->json, "Print JSON (an array of kinds with --compare)");
  command->add_option("-o,--output", options->output, "Write the report or JSON to this file");
  command->add_option("--svg", options->svg, "Also draw the network into this SVG file (a small one: at most " +
                                                 std::to_string(reports::kMaxDrawnSwitches) + " switches)");
  command->add_option("--fail", options->failures.parts,
                      "What-if: fail this part and report what is left (repeatable): a switch (spine3), a link "
                      "(leaf2-spine5), a NIC (gpu7-nic) or a whole plane (plane1)");
  command->add_option("--fail-links", options->failures.link_failure_rate,
                      "What-if: fail each switch-to-switch link with this probability (0 to 1)")
      ->check(CLI::Range(0.0, 1.0));
  command->add_option("--seed", options->failures.seed, "Seed of --fail-links' draws (default 0)");
  command->add_option("--scenario", options->scenario,
                      "Analyse this scenario's own network (its cluster.network_failures and --fail added), and "
                      "simulate its step on it before and after the failures");
  add_set_option(*command, options->set);
  command->add_option("--fidelity", options->fidelity, "With --scenario and failures: stage or gpu (default stage)")
      ->check(CLI::IsMember({"stage", "gpu"}));
  command->add_option("--switch-usd", options->prices.switch_usd, "Price of a switch (default fitted to ISCA 2025 "
                                                                  "table 3: 82000)")
      ->check(CLI::Range(0.0, 1e9));
  command->add_option("--optical-link-usd", options->prices.optical_link_usd,
                      "Price of a switch-to-switch optical cable with its two transceivers (default 544)")
      ->check(CLI::Range(0.0, 1e9));
  command->add_option("--copper-link-usd", options->prices.copper_link_usd,
                      "Price of a switch-to-switch copper cable (default 544)")
      ->check(CLI::Range(0.0, 1e9));
  command->add_option("--endpoint-link-usd", options->prices.endpoint_link_usd,
                      "Price of a NIC-to-leaf cable (default 0: not in the table's cost)")
      ->check(CLI::Range(0.0, 1e9));
  command->callback([options, kinds] {
    if (options->compare && !options->svg.empty())
      throw ConfigError(SourceLocation{kCommandLineOrigin, 0, 0, "--svg"}, "--svg with --compare", "one --kind to draw");
    if (options->compare && !options->failures.empty())
      throw ConfigError(SourceLocation{kCommandLineOrigin, 0, 0, options->failures.parts.empty() ? "--fail-links" : "--fail"},
                        "failures with --compare", "one --kind to fail parts of");
    if (!options->scenario.empty()) {
      if (options->compare)
        throw ConfigError(SourceLocation{kCommandLineOrigin, 0, 0, "--compare"}, "--compare with --scenario",
                          "the scenario's own network");
      scenario_network(*options);
      return;
    }
    hw::FabricRequest request;
    request.kind = kinds.at(options->kind);
    request.switch_radix = options->radix;
    request.endpoints = options->endpoints;
    request.nics_per_node = options->nics_per_node;
    request.link_bytes_per_s = options->link_gbps * 1e9 / 8;
    request.oversubscription = options->oversubscription;
    OutputFiles outputs;
    const OutputFiles::Id text = outputs.plan("-o", options->output);
    if (options->compare) {
      std::vector<reports::TopologyEntry> entries;
      for (hw::TopologyKind k : hw::all_topology_kinds()) {
        reports::TopologyEntry entry{k, std::nullopt, {}};
        request.kind = k;
        try {
          const hw::Topology t = build(request);
          entry.analysis = hw::analyse_topology(t, request.switch_radix, request.link_bytes_per_s, options->prices);
        } catch (const ConfigError& e) {
          entry.refusal = e.problem() + (e.expected().empty() ? "" : " (expected " + e.expected() + ")");
        }
        entries.push_back(std::move(entry));
      }
      outputs.stage(text, options->json ? reports::format_topology_json(entries)
                                        : reports::format_topology_comparison(entries, request.endpoints, request.switch_radix));
      commit_outputs(outputs);
      return;
    }
    const hw::Topology healthy = build(request);
    std::optional<hw::FailedNetwork> failed;
    if (!options->failures.empty())
      failed = hw::fail_parts(healthy, options->failures, kCommandLineOrigin,
                              options->failures.parts.empty() ? "--fail-links" : "--fail");
    const hw::Topology& topology = failed ? failed->topology : healthy;
    OutputFiles::Id drawing{};
    if (!options->svg.empty()) {
      if (topology.switch_count() > reports::kMaxDrawnSwitches)
        throw ConfigError(SourceLocation{kCommandLineOrigin, 0, 0, "--svg"},
                          fmt::format("{} switches to draw", topology.switch_count()),
                          fmt::format("at most {}", reports::kMaxDrawnSwitches),
                          "draw a small instance, e.g. --radix 8 --endpoints 32 --nics-per-node 4");
      drawing = outputs.plan("--svg", options->svg);
    }
    const hw::TopologyAnalysis analysis =
        hw::analyse_topology(healthy, request.switch_radix, request.link_bytes_per_s, options->prices);
    if (failed) {
      reports::FailureComparison comparison;
      comparison.failures = options->failures;
      comparison.failed = failed->failed;
      comparison.healthy = analysis;
      comparison.after =
          hw::analyse_topology(failed->topology, request.switch_radix, request.link_bytes_per_s, options->prices);
      comparison.reachability = hw::node_reachability(failed->topology);
      outputs.stage(text, options->json ? reports::format_failure_json(comparison)
                                        : reports::format_failure_summary(comparison));
    } else {
      const sim::GroupCollectiveFigures collectives = sim::simulate_group_collectives(healthy);
      outputs.stage(text, options->json ? reports::format_topology_json(analysis, &collectives)
                                        : reports::format_topology_summary(analysis, options->prices) +
                                              reports::format_collectives(collectives));
    }
    if (!options->svg.empty())
      outputs.stage(drawing,
                    reports::topology_svg(
                        topology, failed ? fmt::format("{} after failures: {} endpoints, {}-port switches",
                                                       hw::topology_abbreviation(request.kind), request.endpoints,
                                                       request.switch_radix)
                                         : fmt::format("{} ({}): {} endpoints, {}-port switches",
                                                       hw::topology_abbreviation(request.kind),
                                                       hw::topology_name(request.kind), request.endpoints,
                                                       request.switch_radix)));
    commit_outputs(outputs);
  });
}

}  // namespace trainsim::cli
