// TopologyGraph: a cluster network as a Boost.Graph graph. Vertices are GPUs and switches (NVSwitch, leaf,
// spine, core); edges are NVLink, NIC and switch-to-switch links, each a bundle of parallel cables.
#pragma once
// NOTE: GCC 12 under -fsanitize=address flags Boost 1.74's named_graph.hpp (an empty boost::optional for
// unnamed vertices) as uninitialized: a false positive inside Boost, silenced for its headers only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <boost/graph/adjacency_list.hpp>
#pragma GCC diagnostic pop

namespace trainsim::hw {

// Leaf switches hold the NICs (in Slim Fly and Dragonfly every router is one); spines sit above leaves and
// cores above spines (the three-layer fat-tree's aggregation and core switches).
enum class VertexKind { kGpu, kNvSwitch, kLeafSwitch, kSpineSwitch, kCoreSwitch };
// A switch of the scale-out network (the NVSwitch is a node's, not the network's).
inline bool is_switch(VertexKind kind) {
  return kind == VertexKind::kLeafSwitch || kind == VertexKind::kSpineSwitch || kind == VertexKind::kCoreSwitch;
}
enum class LinkKind {
  kNvLink,  // GPU <-> its node's NVSwitch
  kNic,     // GPU's NIC <-> a leaf switch
  kFabric,  // switch <-> switch in the scale-out network
};

struct TopologyVertex {
  VertexKind kind = VertexKind::kGpu;
  int index = 0;   // GPU: global GPU index; switch: index among switches of its kind
  int node = -1;   // GPU and NVSwitch: the node it belongs to
  int plane = 0;   // network plane (multi-plane fat-tree); 0 for single-plane fabrics
  // The switch's unit in its fabric, for drawings and what-ifs: Dragonfly group, Slim Fly subgraph (0 or 1),
  // three-layer fat-tree pod, rail-optimized rail; -1 where the fabric has none.
  int group = -1;
};

// How a link is cabled, for counting cables and transceivers (hardware/topology_inventory.h): copper runs
// within a rack, optical (a fibre and a transceiver at each end) beyond it.
enum class CableMedium { kCopper, kOptical };

// Traversing an edge toward the higher level (GPU -> switch, leaf -> spine) goes "up"; split-duplex links
// in the platform export have one direction each way.
struct TopologyEdge {
  LinkKind kind = LinkKind::kNvLink;
  int id = 0;      // dense edge number, 0..edges-1, in creation order
  int cables = 1;  // parallel cables the edge stands for; bandwidth below is per cable and direction
  double bandwidth_bytes_per_s = 0;
  double latency_s = 0;
  CableMedium medium = CableMedium::kCopper;
};

// vecS lists keep vertex and edge order deterministic (creation order), so exports are reproducible.
using TopologyGraph =
    boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS, TopologyVertex, TopologyEdge>;
using TopologyVertexId = TopologyGraph::vertex_descriptor;
using TopologyEdgeId = TopologyGraph::edge_descriptor;

}  // namespace trainsim::hw
