// The report of `trainsim routing`: MaxVio over steps with and without bias balancing, then each routing
// variant's straggler, nodes per token, all-to-all bytes and step time; as text, JSON, and the two pictures.
#pragma once
#include <string>

#include "sim/cost/routing_study.h"

namespace trainsim::reports {

std::string format_routing_summary(const sim::Scenario& scenario, const sim::RoutingStudy& study);
std::string format_routing_json(const sim::Scenario& scenario, const sim::RoutingStudy& study);
std::string routing_maxvio_svg(const sim::Scenario& scenario, const sim::RoutingStudy& study);
// Per-GPU rows of every MoE layer under the named variant ("as generated", "bias balancing", ...).
std::string routing_heatmap_svg(const sim::Scenario& scenario, const sim::RoutingStudy& study, const std::string& variant);

}  // namespace trainsim::reports
