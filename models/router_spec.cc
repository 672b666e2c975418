// Names of the router's kinds as the scenario file spells them.
#include "models/router_spec.h"

namespace trainsim::models {

const char* routing_source_name(RoutingSource source) {
  switch (source) {
    case RoutingSource::kBalanced: return "balanced";
    case RoutingSource::kSynthetic: return "synthetic";
    case RoutingSource::kReplay: return "replay";
  }
  return "?";
}

const char* placement_policy_name(PlacementPolicy policy) {
  switch (policy) {
    case PlacementPolicy::kUniform: return "uniform";
    case PlacementPolicy::kEplbHierarchical: return "eplb-hierarchical";
    case PlacementPolicy::kEplbGlobal: return "eplb-global";
  }
  return "?";
}

}  // namespace trainsim::models
