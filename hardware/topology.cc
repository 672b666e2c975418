// Topology analyses and routing. Routing rule (DeepSeek-V3 tech report, section 3.2.2, for the cross-node
// path): inside a node over NVLink (up to the NVSwitch and down); across nodes over the source GPU's NIC to
// the destination GPU when its NIC is on the same plane, else to the GPU of the source's index on the
// destination node and on over NVLink. In the fabric: a shortest switch path, ties broken by destination.
// A GPU without a NIC of its own (index nics_per_node or more in its node) sends on the NIC it shares.
#include "hardware/topology.h"

#include <deque>

#include "core/error.h"

namespace trainsim::hw {
namespace {

int level(VertexKind kind) {
  switch (kind) {
    case VertexKind::kGpu: return 0;
    case VertexKind::kNvSwitch:
    case VertexKind::kLeafSwitch: return 1;
    case VertexKind::kSpineSwitch: return 2;
    case VertexKind::kCoreSwitch: return 3;
  }
  return 0;
}

// NOTE: Boost's undirected out_edges report the queried vertex as source, so "up" is decided by the ends
// themselves: toward the higher level, and between equals toward the later vertex. In a tree a route goes up
// then down; in a flat fabric (Slim Fly, Dragonfly: every router a leaf) "up" only names which of a link's two
// directions a hop takes, so that each direction is one SimGrid link direction.
bool goes_up(const TopologyGraph& g, TopologyVertexId from, TopologyVertexId to) {
  const int a = level(g[from].kind);
  const int b = level(g[to].kind);
  return a != b ? a < b : from < to;
}

// The lower end of an edge, in the sense of goes_up.
TopologyVertexId lower_end(const TopologyGraph& g, TopologyEdgeId e) {
  const TopologyVertexId s = boost::source(e, g);
  const TopologyVertexId t = boost::target(e, g);
  return goes_up(g, s, t) ? s : t;
}

}  // namespace

Topology::Topology(TopologyKind kind, TopologyGraph graph, int nodes, int gpus_per_node, int nics_per_node)
    : kind_(kind),
      graph_(std::move(graph)),
      nodes_(nodes),
      gpus_per_node_(gpus_per_node),
      nics_per_node_(nics_per_node > 0 ? nics_per_node : gpus_per_node) {
  index_edges();
  nvlink_of_.assign(static_cast<std::size_t>(gpu_count()), -1);
  nic_of_.assign(static_cast<std::size_t>(gpu_count()), -1);
  for (auto [it, end] = boost::edges(graph_); it != end; ++it) {
    const TopologyEdge& e = graph_[*it];
    const TopologyVertex& lower = graph_[lower_end(graph_, *it)];
    if (lower.kind != VertexKind::kGpu) continue;
    TS_CHECK(lower.index >= 0 && lower.index < gpu_count(), "GPU {} out of range", lower.index);
    (e.kind == LinkKind::kNvLink ? nvlink_of_ : nic_of_)[lower.index] = e.id;
  }
  for (int gpu = 0; gpu < gpu_count(); ++gpu)
    shared_nic_of_.push_back(nic_of_[node_of(gpu) * gpus_per_node_ + gpu % gpus_per_node_ % nics_per_node_]);
}

Topology::Topology(const Topology& other)
    : kind_(other.kind_),
      graph_(other.graph_),
      nodes_(other.nodes_),
      gpus_per_node_(other.gpus_per_node_),
      nics_per_node_(other.nics_per_node_),
      nvlink_of_(other.nvlink_of_),
      nic_of_(other.nic_of_),
      shared_nic_of_(other.shared_nic_of_),
      distances_(other.distances_) {
  index_edges();
}

Topology& Topology::operator=(const Topology& other) {
  if (this == &other) return *this;
  kind_ = other.kind_;
  graph_ = other.graph_;
  nodes_ = other.nodes_;
  gpus_per_node_ = other.gpus_per_node_;
  nics_per_node_ = other.nics_per_node_;
  nvlink_of_ = other.nvlink_of_;
  nic_of_ = other.nic_of_;
  shared_nic_of_ = other.shared_nic_of_;
  distances_ = other.distances_;
  index_edges();
  return *this;
}

void Topology::index_edges() {
  edges_.assign(boost::num_edges(graph_), TopologyEdgeId{});
  for (auto [it, end] = boost::edges(graph_); it != end; ++it) {
    const int id = graph_[*it].id;
    TS_CHECK(id >= 0 && id < static_cast<int>(edges_.size()), "edge id {} out of range", id);
    edges_[static_cast<std::size_t>(id)] = *it;
  }
}

int Topology::endpoint_count() const {
  int n = 0;
  for (int nic : nic_of_) n += nic >= 0;
  return n;
}

int Topology::switch_count() const {
  int n = 0;
  for (auto [it, end] = boost::vertices(graph_); it != end; ++it) n += is_switch(graph_[*it].kind);
  return n;
}

int Topology::link_count() const {
  int n = 0;
  for (TopologyEdgeId e : edges_) n += graph_[e].kind == LinkKind::kFabric ? graph_[e].cables : 0;
  return n;
}

int Topology::planes() const {
  int n = 0;
  for (auto [it, end] = boost::vertices(graph_); it != end; ++it)
    if (is_switch(graph_[*it].kind)) n = std::max(n, graph_[*it].plane + 1);
  return n;
}

double Topology::link_bandwidth_bytes_per_s(int link) const {
  const TopologyEdge& e = edge(link);
  return e.bandwidth_bytes_per_s * e.cables;
}

std::string Topology::vertex_name(TopologyVertexId v) const {
  const TopologyVertex& x = graph_[v];
  switch (x.kind) {
    case VertexKind::kGpu: return fmt::format("gpu{}", x.index);
    case VertexKind::kNvSwitch: return fmt::format("node{}-nvswitch", x.node);
    case VertexKind::kLeafSwitch: return fmt::format("leaf{}", x.index);
    case VertexKind::kSpineSwitch: return fmt::format("spine{}", x.index);
    case VertexKind::kCoreSwitch: return fmt::format("core{}", x.index);
  }
  return "?";
}

std::string Topology::link_name(int link) const {
  const TopologyEdgeId e = edges_.at(link);
  const TopologyVertexId lower = lower_end(graph_, e);
  if (graph_[lower].kind == VertexKind::kGpu)
    return fmt::format("gpu{}-{}", graph_[lower].index, graph_[e].kind == LinkKind::kNvLink ? "nvlink" : "nic");
  const TopologyVertexId upper = lower == boost::source(e, graph_) ? boost::target(e, graph_) : boost::source(e, graph_);
  return vertex_name(lower) + "-" + vertex_name(upper);
}

TopologyVertexId Topology::leaf_of(int gpu) const {
  const TopologyEdgeId e = edges_[shared_nic_of_[gpu]];
  return graph_[boost::source(e, graph_)].kind == VertexKind::kGpu ? boost::target(e, graph_) : boost::source(e, graph_);
}

// NOTE: which NICs a cross-node flow uses. Healthy, src sends on its own NIC (DeepSeek-V3 3.2.2) and it lands
// on dst's when that NIC is on the sending plane, else on the NIC of src's index at dst's node, which forwards
// over NVLink. With failed parts (topology_failures.h) trainsim assumes the network routes around them the way
// it already crosses planes, over NVLink inside a node (an assumption: no published run describes it). A GPU
// without a NIC sends as NCCL's PXN does (NCCL 2.12: data moved over NVLink to the node-mate on the
// destination's rail, docs/sources.md#nccl-pxn): through the NIC of dst's index, else, when that one is lost
// too, of the first node-mate from an index that turns with both nodes (src's + dst's), so that neither the
// sending nor the receiving node funnels a lost NIC's traffic into one NIC of its own; a GPU with its NIC whose
// flow finds no receiving NIC on its plane turns to its node-mates the same way. The receiving NIC is dst's
// own, else the one of the sender's index (the rail it came on), else the first on the sending plane that the
// fabric still reaches.
std::optional<Topology::NicPair> Topology::nic_pair(int src_gpu, int dst_gpu) const {
  const int src_node = node_of(src_gpu), dst_node = node_of(dst_gpu);
  const auto receiver_for = [&](int send_gpu) -> int {
    const TopologyVertexId from = leaf_of(send_gpu);
    const auto reaches = [&](int gpu) {
      if (shared_nic_of_[gpu] < 0) return false;
      const TopologyVertexId to = leaf_of(gpu);
      return graph_[to].plane == graph_[from].plane && distances_to(to)[from] >= 0;
    };
    if (reaches(dst_gpu)) return dst_gpu;
    const int same_index = dst_node * gpus_per_node_ + send_gpu % gpus_per_node_;
    if (reaches(same_index)) return same_index;
    for (int i = 0; i < gpus_per_node_; ++i)
      if (reaches(dst_node * gpus_per_node_ + i)) return dst_node * gpus_per_node_ + i;
    return -1;
  };
  const auto through = [&](int index) -> std::optional<NicPair> {
    const int send_gpu = src_node * gpus_per_node_ + index % gpus_per_node_;
    if (shared_nic_of_[send_gpu] < 0) return std::nullopt;
    if (const int receive_gpu = receiver_for(send_gpu); receive_gpu >= 0) return NicPair{send_gpu, receive_gpu};
    return std::nullopt;
  };
  // Its own NIC first (healthy), else the one on dst's rail (PXN); then the node-mates from the turning index.
  if (auto pair = through(shared_nic_of_[src_gpu] >= 0 ? src_gpu : dst_gpu)) return pair;
  const int first = (src_node + dst_node) % gpus_per_node_;
  for (int i = 0; i < gpus_per_node_; ++i)
    if (auto pair = through(first + i)) return pair;
  return std::nullopt;
}

bool Topology::connected(int src_gpu, int dst_gpu) const {
  if (src_gpu == dst_gpu) return true;
  if (node_of(src_gpu) == node_of(dst_gpu)) return nvlink_of_[src_gpu] >= 0 && nvlink_of_[dst_gpu] >= 0;
  return nic_pair(src_gpu, dst_gpu).has_value();
}

std::vector<RouteHop> Topology::route(int src_gpu, int dst_gpu) const {
  TS_CHECK(src_gpu >= 0 && src_gpu < gpu_count() && dst_gpu >= 0 && dst_gpu < gpu_count(),
           "route {} -> {} outside {} GPUs", src_gpu, dst_gpu, gpu_count());
  std::vector<RouteHop> hops;
  if (src_gpu == dst_gpu) return hops;
  if (node_of(src_gpu) == node_of(dst_gpu)) {
    TS_CHECK(nvlink_of_[src_gpu] >= 0 && nvlink_of_[dst_gpu] >= 0, "GPU {} or {} has no NVLink", src_gpu, dst_gpu);
    return {{nvlink_of_[src_gpu], true}, {nvlink_of_[dst_gpu], false}};
  }
  const std::optional<NicPair> nics = nic_pair(src_gpu, dst_gpu);
  if (!nics)
    throw Error(fmt::format("no path left from GPU {} to GPU {}: their NICs or the fabric between them failed",
                            src_gpu, dst_gpu));
  if (nics->send_gpu != src_gpu) {
    hops.push_back({nvlink_of_[src_gpu], true});
    hops.push_back({nvlink_of_[nics->send_gpu], false});
  }
  hops.push_back({shared_nic_of_[nics->send_gpu], true});
  append_fabric_path(leaf_of(nics->send_gpu), leaf_of(nics->receive_gpu), nics->receive_gpu, hops);
  hops.push_back({shared_nic_of_[nics->receive_gpu], false});
  if (nics->receive_gpu != dst_gpu) {
    hops.push_back({nvlink_of_[nics->receive_gpu], true});
    hops.push_back({nvlink_of_[dst_gpu], false});
  }
  return hops;
}

// Breadth-first hop counts from every switch to `to`, over switch-to-switch links only.
const std::vector<int>& Topology::distances_to(TopologyVertexId to) const {
  auto found = distances_.find(to);
  if (found != distances_.end()) return found->second;
  std::vector<int> dist(boost::num_vertices(graph_), -1);
  std::deque<TopologyVertexId> queue{to};
  dist[to] = 0;
  while (!queue.empty()) {
    const TopologyVertexId u = queue.front();
    queue.pop_front();
    for (auto [it, end] = boost::out_edges(u, graph_); it != end; ++it) {
      const TopologyVertexId w = boost::target(*it, graph_);
      if (graph_[*it].kind != LinkKind::kFabric || dist[w] >= 0) continue;
      dist[w] = dist[u] + 1;
      queue.push_back(w);
    }
  }
  return distances_.emplace(to, std::move(dist)).first->second;
}

// NOTE: among equal-cost next switches, the (choice mod count)-th in creation order: in a two-layer
// fat-tree the spine is the destination GPU's index modulo the spine count (deterministic, ECMP-like).
void Topology::append_fabric_path(TopologyVertexId from, TopologyVertexId to, int choice,
                                  std::vector<RouteHop>& hops) const {
  const std::vector<int>& dist = distances_to(to);
  TS_CHECK(dist[from] >= 0, "{} cannot reach {}", vertex_name(from), vertex_name(to));
  for (TopologyVertexId u = from; u != to;) {
    std::vector<TopologyEdgeId> next;
    for (auto [it, end] = boost::out_edges(u, graph_); it != end; ++it)
      if (graph_[*it].kind == LinkKind::kFabric && dist[boost::target(*it, graph_)] == dist[u] - 1)
        next.push_back(*it);
    const TopologyEdgeId e = next[static_cast<std::size_t>(choice) % next.size()];
    const TopologyVertexId w = boost::target(e, graph_);
    hops.push_back({graph_[e].id, goes_up(graph_, u, w)});
    u = w;
  }
}

}  // namespace trainsim::hw
