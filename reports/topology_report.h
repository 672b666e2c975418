// The report of `trainsim topology`: one network's parts, cost, bisection bandwidth, diameter and path
// diversity (hardware/topology_analysis.h), or every kind side by side for the same endpoints and radix; as
// text or JSON.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "hardware/topology_analysis.h"
#include "hardware/topology_failures.h"
#include "sim/engine/group_collectives.h"

namespace trainsim::reports {

// One kind of a comparison: its analysis, or why it cannot be built at that size (the builder's refusal).
struct TopologyEntry {
  hw::TopologyKind kind = hw::TopologyKind::kFatTree;
  std::optional<hw::TopologyAnalysis> analysis;
  std::string refusal;
};

std::string format_topology_summary(const hw::TopologyAnalysis& analysis, const hw::NetworkPrices& prices);
// The lines of the collectives simulated on the network (sim/engine/group_collectives.h).
std::string format_collectives(const sim::GroupCollectiveFigures& collectives);
std::string format_topology_comparison(const std::vector<TopologyEntry>& entries, int endpoints, int radix);
// One object per analysis: kind, endpoints, switches, links, cost_usd, cost_per_endpoint_usd,
// bisection_bytes_per_s, diameter, and the rest of the analysis; a refused kind has kind and error.
std::string format_topology_json(const hw::TopologyAnalysis& analysis,
                                 const sim::GroupCollectiveFigures* collectives = nullptr);
std::string format_topology_json(const std::vector<TopologyEntry>& entries);  // an array, kinds in order

// A network before and after what-if failures (hardware/topology_failures.h).
struct FailureComparison {
  hw::NetworkFailures failures;
  hw::FailedParts failed;
  hw::TopologyAnalysis healthy;
  hw::TopologyAnalysis after;  // of the failed network (its switch count still holds the failed switches)
  hw::NodeReachability reachability;
  // The scenario's step on the network before and after (trainsim topology --scenario); fidelity empty when
  // no scenario was simulated, a step 0 with its reason where the simulation could not run.
  std::string fidelity;
  double healthy_step_s = 0;
  double failed_step_s = 0;
  std::string failed_step_error;
};

// What failed, and the bisection, links, diameter and node pairs joined before and after.
std::string format_failure_summary(const FailureComparison& comparison);
// {"failures": {parts, link_failure_rate, seed}, "failed": {switches, fabric_links, nics, nvlinks},
//  "healthy": <analysis>, "after": <analysis>, "node_pairs", "disconnected_node_pairs"}.
std::string format_failure_json(const FailureComparison& comparison);

}  // namespace trainsim::reports
