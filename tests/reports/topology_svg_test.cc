// The network drawings: well-formed, every switch and node drawn once, every kind (the small instances of
// docs/topologies.md).
#include "reports/topology_svg.h"

#include <gtest/gtest.h>

#include "hardware/fabric_params.h"
#include "tests/reports/xml_check.h"

namespace trainsim::reports {
namespace {

int occurrences(const std::string& text, const std::string& what) {
  int n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(TopologySvg, EveryKindDrawsEverySwitchAndNode) {
  struct Case {
    hw::TopologyKind kind;
    int endpoints, radix, nics;
  };
  for (const Case c : {Case{hw::TopologyKind::kFatTree, 32, 8, 4}, Case{hw::TopologyKind::kMultiPlaneFatTree, 32, 8, 4},
                       Case{hw::TopologyKind::kRailOptimized, 32, 8, 4}, Case{hw::TopologyKind::kThreeLayerFatTree, 16, 4, 2},
                       Case{hw::TopologyKind::kSlimFly, 48, 8, 4}, Case{hw::TopologyKind::kDragonfly, 72, 8, 4}}) {
    hw::FabricRequest r;
    r.kind = c.kind;
    r.endpoints = c.endpoints;
    r.switch_radix = c.radix;
    r.nics_per_node = c.nics;
    const hw::Topology t = hw::build_topology(c.kind, hw::fabric_params(r));
    const std::string svg = topology_svg(t, "title");
    EXPECT_EQ(xml_problem(svg), "") << hw::topology_abbreviation(c.kind);
    // Switch boxes have rx="3" and a layer fill; node boxes fill #e8e8e8.
    EXPECT_EQ(occurrences(svg, R"(rx="3" fill="#)") - occurrences(svg, R"(rx="3" fill="#e8e8e8")"), t.switch_count())
        << hw::topology_abbreviation(c.kind);
    EXPECT_EQ(occurrences(svg, R"(fill="#e8e8e8")"), t.nodes()) << hw::topology_abbreviation(c.kind);
  }
}

}  // namespace
}  // namespace trainsim::reports
