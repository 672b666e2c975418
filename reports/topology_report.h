// The report of `trainsim topology`: one network's parts, cost, bisection bandwidth, diameter and path
// diversity (hardware/topology_analysis.h), or every kind side by side for the same endpoints and radix; as
// text or JSON.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "hardware/topology_analysis.h"

namespace trainsim::reports {

// One kind of a comparison: its analysis, or why it cannot be built at that size (the builder's refusal).
struct TopologyEntry {
  hw::TopologyKind kind = hw::TopologyKind::kFatTree;
  std::optional<hw::TopologyAnalysis> analysis;
  std::string refusal;
};

std::string format_topology_summary(const hw::TopologyAnalysis& analysis, const hw::NetworkPrices& prices);
std::string format_topology_comparison(const std::vector<TopologyEntry>& entries, int endpoints, int radix);
// One object per analysis: kind, endpoints, switches, links, cost_usd, cost_per_endpoint_usd,
// bisection_bytes_per_s, diameter, and the rest of the analysis; a refused kind has kind and error.
std::string format_topology_json(const hw::TopologyAnalysis& analysis);
std::string format_topology_json(const std::vector<TopologyEntry>& entries);  // an array, kinds in order

}  // namespace trainsim::reports
