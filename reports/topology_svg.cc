// Drawing a small network (see topology_svg.h). Layers keep the colours of the project's chart series
// (svg_palette.h): leaves blue, spines orange, cores red; nodes grey. A line's width grows with the cables it
// bundles.
#include "reports/topology_svg.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <numbers>

#include "reports/svg_palette.h"
#include "reports/svg_text.h"

namespace trainsim::reports {
namespace {

using hw::TopologyGraph;
using hw::TopologyVertexId;
using hw::VertexKind;

struct Point {
  double x = 0;
  double y = 0;
};

const char* layer_colour(VertexKind kind) {
  switch (kind) {
    case VertexKind::kLeafSwitch: return series_colour(0);
    case VertexKind::kSpineSwitch: return series_colour(1);
    case VertexKind::kCoreSwitch: return series_colour(3);
    case VertexKind::kGpu:
    case VertexKind::kNvSwitch: return series_colour(7);
  }
  return "#000000";
}

double stroke_width(int cables) { return 0.8 + 0.9 * std::log2(static_cast<double>(std::max(1, cables))); }

constexpr double kSlot = 9;          // a NIC's slot in a node box
constexpr double kNodeHeight = 16;
constexpr double kSwitchWidth = 40;
constexpr double kSwitchHeight = 18;
constexpr double kMargin = 30;
constexpr double kTop = 62;          // title and legend above

// The pieces every layout shares: vertices, NIC slot positions per GPU, and the SVG being written.
class Drawing {
 public:
  explicit Drawing(const hw::Topology& t) : t_(t), g_(t.graph()) {
    for (auto [it, end] = boost::vertices(g_); it != end; ++it) {
      const VertexKind k = g_[*it].kind;
      if (k == VertexKind::kNvSwitch) nodes_.push_back(*it);
      if (hw::is_switch(k)) switches_[k].push_back(*it);
    }
    for (auto [it, end] = boost::edges(g_); it != end; ++it)
      if (g_[*it].kind == hw::LinkKind::kNic) {
        const auto s = boost::source(*it, g_);
        const auto gpu = g_[s].kind == VertexKind::kGpu ? s : boost::target(*it, g_);
        nics_per_node_ = std::max(nics_per_node_, g_[gpu].index % t.gpus_per_node() + 1);
      }
  }

  const hw::Topology& t_;
  const TopologyGraph& g_;
  std::vector<TopologyVertexId> nodes_;  // NVSwitch vertices, one per node
  std::map<VertexKind, std::vector<TopologyVertexId>> switches_;
  std::map<TopologyVertexId, Point> at_;  // switch centres; GPUs: their NIC slot's top centre
  int nics_per_node_ = 1;
  std::string body_;

  double node_width() const { return nics_per_node_ * kSlot + 6; }

  // A node box centred at (x, y) with its NIC slots; records each NIC GPU's attachment point.
  void draw_node(TopologyVertexId nvswitch, double x, double y, bool slots_on_top = true) {
    const int node = g_[nvswitch].node;
    const double w = node_width();
    body_ += fmt::format(R"(<rect x="{}" y="{}" width="{}" height="{}" rx="3" fill="#e8e8e8" stroke="{}"/>)",
                         svg_px(x - w / 2), svg_px(y - kNodeHeight / 2), svg_px(w), svg_px(kNodeHeight),
                         layer_colour(VertexKind::kNvSwitch));
    body_ += "\n";
    for (int k = 0; k < nics_per_node_; ++k) {
      const double sx = x - w / 2 + 3 + k * kSlot + kSlot / 2;
      body_ += fmt::format(R"(<rect x="{}" y="{}" width="6" height="6" fill="{}"/>)", svg_px(sx - 3),
                           svg_px(y - 3), layer_colour(VertexKind::kGpu));
      body_ += "\n";
      const int gpu = node * t_.gpus_per_node() + k;
      for (auto [it, end] = boost::vertices(g_); it != end; ++it)
        if (g_[*it].kind == VertexKind::kGpu && g_[*it].index == gpu)
          at_[*it] = {sx, slots_on_top ? y - kNodeHeight / 2 : y + kNodeHeight / 2};
    }
    body_ += fmt::format(R"(<text x="{}" y="{}" font-size="8" fill="#555555">n{}</text>)", svg_px(x),
                         svg_px(y + kNodeHeight / 2 + 9), node);
    body_ += "\n";
  }

  void draw_switch(TopologyVertexId v, double x, double y, const std::string& sublabel = {},
                   const std::string& label = {}) {
    at_[v] = {x, y};
    body_ += fmt::format(R"(<rect x="{}" y="{}" width="{}" height="{}" rx="3" fill="{}"/>)", svg_px(x - kSwitchWidth / 2),
                         svg_px(y - kSwitchHeight / 2), svg_px(kSwitchWidth), svg_px(kSwitchHeight),
                         layer_colour(g_[v].kind));
    body_ += fmt::format(R"(<text x="{}" y="{}" font-size="8" fill="#ffffff">{}</text>)", svg_px(x), svg_px(y + 3),
                         xml_escape(label.empty() ? t_.vertex_name(v) : label));
    if (!sublabel.empty())
      body_ += fmt::format(R"(<text x="{}" y="{}" font-size="8" fill="#333333">{}</text>)", svg_px(x),
                           svg_px(y + kSwitchHeight / 2 + 9), xml_escape(sublabel));
    body_ += "\n";
  }

  // Every NIC and fabric link between drawn ends, under the boxes (written before them).
  std::string links(const std::function<std::string(hw::TopologyEdgeId)>& colour) const {
    std::string out;
    for (auto [it, end] = boost::edges(g_); it != end; ++it) {
      const hw::TopologyEdge& e = g_[*it];
      if (e.kind == hw::LinkKind::kNvLink) continue;
      const auto a = at_.find(boost::source(*it, g_));
      const auto b = at_.find(boost::target(*it, g_));
      if (a == at_.end() || b == at_.end()) continue;
      out += fmt::format(R"(<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="{}" stroke-opacity="0.75"/>)",
                         svg_px(a->second.x), svg_px(a->second.y), svg_px(b->second.x), svg_px(b->second.y),
                         colour(*it), svg_px(stroke_width(e.cables)));
      out += "\n";
    }
    return out;
  }

  std::string legend(double y) const {
    std::string out;
    double x = kMargin;
    const auto item = [&](const char* colour, const std::string& label) {
      out += fmt::format(R"(<rect x="{}" y="{}" width="12" height="10" rx="2" fill="{}"/>)", svg_px(x), svg_px(y - 8), colour);
      out += fmt::format(R"(<text x="{}" y="{}" text-anchor="start">{}</text>)", svg_px(x + 16), svg_px(y), xml_escape(label));
      out += "\n";
      x += 24 + 6.0 * static_cast<double>(label.size());
    };
    item(layer_colour(VertexKind::kNvSwitch), "node (a slot per NIC)");
    for (VertexKind k : {VertexKind::kLeafSwitch, VertexKind::kSpineSwitch, VertexKind::kCoreSwitch})
      if (switches_.count(k))
        item(layer_colour(k), k == VertexKind::kLeafSwitch   ? (switches_.count(VertexKind::kSpineSwitch) ? "leaf" : "router")
                              : k == VertexKind::kSpineSwitch ? "spine"
                                                              : "core");
    out += fmt::format(R"(<text x="{}" y="{}" text-anchor="start" fill="#555555">line width: cables bundled</text>)",
                       svg_px(x), svg_px(y));
    out += "\n";
    return out;
  }
};

// Rows: cores, spines, leaves, nodes; each row spread over the width, planes side by side.
std::string tree_svg(Drawing& d, const std::string& title) {
  const auto row_of = [&](VertexKind k) {
    std::vector<TopologyVertexId> row = d.switches_.count(k) ? d.switches_.at(k) : std::vector<TopologyVertexId>{};
    std::stable_sort(row.begin(), row.end(), [&](auto a, auto b) { return d.g_[a].plane < d.g_[b].plane; });
    return row;
  };
  const std::vector<TopologyVertexId> leaves = row_of(VertexKind::kLeafSwitch);
  const std::vector<TopologyVertexId> spines = row_of(VertexKind::kSpineSwitch);
  const std::vector<TopologyVertexId> cores = row_of(VertexKind::kCoreSwitch);
  const int planes = std::max(1, d.t_.planes());
  const double plane_gap = planes > 1 ? 24 : 0;
  const auto leaf_count = static_cast<double>(leaves.size());
  const auto node_count = static_cast<double>(d.nodes_.size());
  const double width_needed =
      std::max({leaf_count * (kSwitchWidth + 12) + planes * plane_gap, node_count * (d.node_width() + 10), 480.0});
  const double width = width_needed + 2 * kMargin;
  const double row_gap = 110;
  const int layers = cores.empty() ? (spines.empty() ? 1 : 2) : 3;
  const double height = kTop + layers * row_gap + 70;
  const double node_y = kTop + layers * row_gap + 20;
  // A row's x positions: planes get equal shares of the width, each switch an equal share of its plane's.
  const auto place = [&](const std::vector<TopologyVertexId>& row, double y, auto sublabel) {
    for (int plane = 0; plane < planes; ++plane) {
      std::vector<TopologyVertexId> in;
      for (auto v : row)
        if (d.g_[v].plane == plane) in.push_back(v);
      const double share = width_needed / planes;
      const double x0 = kMargin + plane * share + plane_gap / 2;
      const double step = (share - plane_gap) / static_cast<double>(std::max<std::size_t>(1, in.size()));
      for (std::size_t i = 0; i < in.size(); ++i)
        d.draw_switch(in[i], x0 + (static_cast<double>(i) + 0.5) * step, y, sublabel(in[i]));
    }
  };
  std::string bands;
  if (planes > 1)
    for (int plane = 0; plane < planes; ++plane) {
      const double share = width_needed / planes;
      bands += fmt::format(R"(<rect x="{}" y="{}" width="{}" height="{}" rx="6" fill="{}" fill-opacity="0.12"/>)",
                           svg_px(kMargin + plane * share + 4), svg_px(kTop + 6), svg_px(share - 8),
                           svg_px(layers * row_gap - 40), hsl_hex(360.0 * plane / planes, 0.6, 0.5));
      bands += fmt::format(R"(<text x="{}" y="{}" font-weight="bold">plane {}</text>)",
                           svg_px(kMargin + (plane + 0.5) * share), svg_px(kTop + 20), plane);
      bands += "\n";
    }
  const bool rails = d.t_.kind() == hw::TopologyKind::kRailOptimized;
  const bool pods = d.t_.kind() == hw::TopologyKind::kThreeLayerFatTree;
  const auto leaf_label = [&](TopologyVertexId v) {
    const int group = d.g_[v].group;
    if (rails) return fmt::format("rail {}", group);
    if (pods) return fmt::format("pod {}", group);
    return std::string();
  };
  const auto spine_label = [&](TopologyVertexId v) { return pods ? fmt::format("pod {}", d.g_[v].group) : std::string(); };
  const auto no_label = [](TopologyVertexId) { return std::string(); };
  double y = kTop + 40;
  if (!cores.empty()) {
    place(cores, y, no_label);
    y += row_gap;
  }
  if (!spines.empty()) {
    place(spines, y, spine_label);
    y += row_gap;
  }
  place(leaves, y, leaf_label);
  const double node_step = width_needed / std::max(1.0, node_count);
  for (std::size_t i = 0; i < d.nodes_.size(); ++i)
    d.draw_node(d.nodes_[i], kMargin + (static_cast<double>(i) + 0.5) * node_step, node_y);
  const auto colour = [&](hw::TopologyEdgeId e) -> std::string {
    if (d.g_[e].kind == hw::LinkKind::kNic) return "#9a9a9a";
    const VertexKind a = d.g_[boost::source(e, d.g_)].kind;
    const VertexKind b = d.g_[boost::target(e, d.g_)].kind;
    return (a == VertexKind::kCoreSwitch || b == VertexKind::kCoreSwitch) ? layer_colour(VertexKind::kCoreSwitch)
                                                                           : layer_colour(VertexKind::kSpineSwitch);
  };
  std::string out = svg_document_open(width, height);
  out += fmt::format(R"(<text x="{}" y="20" font-size="14" font-weight="bold">{}</text>)", svg_px(width / 2), xml_escape(title));
  out += "\n" + d.legend(42) + bands + d.links(colour) + d.body_ + "</svg>\n";
  return out;
}

// Routers in clusters (a Dragonfly group; a Slim Fly column: the q routers (s, x, .) of subgraph s) on a
// circle, each cluster's routers on a small circle of their own so its local links show; nodes outside, by
// the routers their NICs reach.
std::string ring_svg(Drawing& d, const std::string& title) {
  const std::vector<TopologyVertexId>& routers = d.switches_.at(VertexKind::kLeafSwitch);
  const bool dragonfly = d.t_.kind() == hw::TopologyKind::kDragonfly;
  const int q = static_cast<int>(std::lround(std::sqrt(static_cast<double>(routers.size()) / 2)));
  const auto cluster_of = [&](TopologyVertexId v) { return dragonfly ? d.g_[v].group : d.g_[v].index / q; };
  std::map<int, std::vector<TopologyVertexId>> clusters;
  for (TopologyVertexId v : routers) clusters[cluster_of(v)].push_back(v);
  const double count = static_cast<double>(clusters.size());
  std::size_t largest = 1;
  for (const auto& [c, members] : clusters) largest = std::max(largest, members.size());
  const double small = std::max(42.0, static_cast<double>(largest) * (kSwitchWidth + 16) / (2 * std::numbers::pi));
  const double radius = std::max(220.0, count * (2 * small + 110) / (2 * std::numbers::pi));
  const double outer = radius + small + 75;  // nodes
  const double size = 2 * (outer + 40) + 2 * kMargin;
  const Point centre{size / 2, kTop + size / 2};
  std::string labels;
  for (const auto& [c, members] : clusters) {
    const double a = 2 * std::numbers::pi * c / count - std::numbers::pi / 2;
    const Point cc{centre.x + radius * std::cos(a), centre.y + radius * std::sin(a)};
    const double m = static_cast<double>(members.size());
    for (std::size_t j = 0; j < members.size(); ++j) {
      const double b = a + 2 * std::numbers::pi * static_cast<double>(j) / m;
      d.draw_switch(members[j], cc.x + small * std::cos(b), cc.y + small * std::sin(b),
                    {}, fmt::format("r{}", d.g_[members[j]].index));
    }
    const int subgraph = dragonfly ? 0 : d.g_[members.front()].group;
    const std::string label =
        dragonfly ? fmt::format("group {}", c) : fmt::format("subgraph {} x={}", subgraph, c % q);
    const double r = radius - small - 42;
    labels += fmt::format(R"(<text x="{}" y="{}" font-weight="bold" fill="{}">{}</text>)",
                          svg_px(centre.x + r * std::cos(a)), svg_px(centre.y + r * std::sin(a) + 4),
                          hsl_hex(dragonfly ? 360.0 * c / count : subgraph * 180.0 + 20, 0.6, 0.35), label);
    labels += "\n";
  }
  // Each node toward the mean of the routers its NICs reach, on the outer ring; then nodes closer than a node
  // box are pushed apart along the ring (in angle order) and the whole set turned back by the mean push.
  std::vector<std::pair<double, TopologyVertexId>> angles;
  for (TopologyVertexId nv : d.nodes_) {
    double cx = 0, cy = 0;
    for (auto [it, end] = boost::edges(d.g_); it != end; ++it) {
      if (d.g_[*it].kind != hw::LinkKind::kNic) continue;
      const auto s = boost::source(*it, d.g_);
      const auto gpu = d.g_[s].kind == VertexKind::kGpu ? s : boost::target(*it, d.g_);
      const auto router = gpu == s ? boost::target(*it, d.g_) : s;
      if (d.g_[gpu].node != d.g_[nv].node) continue;
      cx += d.at_[router].x - centre.x;
      cy += d.at_[router].y - centre.y;
    }
    angles.emplace_back(std::atan2(cy, cx), nv);
  }
  std::sort(angles.begin(), angles.end());
  const double gap = std::min(2 * std::numbers::pi / std::max<double>(1, static_cast<double>(angles.size())),
                              (d.node_width() + 12) / outer);
  double pushed = 0;
  for (std::size_t i = 1; i < angles.size(); ++i)
    if (angles[i].first < angles[i - 1].first + gap) {
      pushed += angles[i - 1].first + gap - angles[i].first;
      angles[i].first = angles[i - 1].first + gap;
    }
  for (auto& [a, nv] : angles) {
    a -= pushed / std::max<double>(1, static_cast<double>(angles.size()));
    d.draw_node(nv, centre.x + outer * std::cos(a), centre.y + outer * std::sin(a), std::sin(a) >= 0);
  }
  const auto colour = [&](hw::TopologyEdgeId e) -> std::string {
    if (d.g_[e].kind == hw::LinkKind::kNic) return "#9a9a9a";
    const bool local = cluster_of(boost::source(e, d.g_)) == cluster_of(boost::target(e, d.g_));
    return local ? series_colour(0) : series_colour(1);
  };
  const double height = centre.y + size / 2;
  std::string out = svg_document_open(size, height);
  out += fmt::format(R"(<text x="{}" y="20" font-size="14" font-weight="bold">{}</text>)", svg_px(size / 2), xml_escape(title));
  out += "\n" + d.legend(42);
  out += fmt::format(R"(<text x="{}" y="58" text-anchor="start" fill="#555555">{}</text>)", svg_px(kMargin),
                     dragonfly ? "blue: local links, all-to-all within a group (copper); orange: global links, one per "
                                 "pair of groups (optical)"
                               : "blue: links within a column (y - y' in X or X'); orange: between the two subgraphs "
                                 "(y = m x + c)");
  out += "\n" + labels + d.links(colour) + d.body_ + "</svg>\n";
  return out;
}

}  // namespace

std::string topology_svg(const hw::Topology& topology, const std::string& title) {
  Drawing d(topology);
  const bool flat = topology.kind() == hw::TopologyKind::kSlimFly || topology.kind() == hw::TopologyKind::kDragonfly;
  return flat ? ring_svg(d, title) : tree_svg(d, title);
}

}  // namespace trainsim::reports
