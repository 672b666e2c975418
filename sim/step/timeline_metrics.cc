// Sweeping each rank's compute and flow intervals (see timeline_metrics.h).
#include "sim/step/timeline_metrics.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "core/error.h"

namespace trainsim::sim {
namespace {

// Sweep channels: compute first, then the communication kinds in the order that takes shared instants.
constexpr std::array<WorkClass, 5> kCommOrder = {WorkClass::kEp, WorkClass::kTp, WorkClass::kCp, WorkClass::kPp,
                                                 WorkClass::kDp};
constexpr int kChannels = 1 + static_cast<int>(kCommOrder.size());

int channel_of(const TimelineEvent& e, const WorkTag& tag) {
  if (e.stream == Stream::kCompute) return 0;
  for (std::size_t i = 0; i < kCommOrder.size(); ++i)
    if (kCommOrder[i] == tag.work) return 1 + static_cast<int>(i);
  return 1;  // a flow tagged as compute counts as EP's
}

struct Edge {
  double time_s;
  int channel;
  int delta;
  bool operator<(const Edge& o) const { return time_s < o.time_s; }
};

}  // namespace

double RankMetrics::exposed_comm_s() const {
  double sum = 0;
  for (const auto& [kind, s] : exposed_comm_by_kind_s) sum += s;
  return sum;
}

TimelineMetrics timeline_metrics(const Timeline& timeline, const WorkTags& tags) {
  TimelineMetrics out;
  out.makespan_s = timeline.makespan_s;
  int ranks = 0;
  for (const TimelineEvent& e : timeline.events) ranks = std::max(ranks, e.rank + 1);
  std::vector<std::vector<Edge>> edges(static_cast<std::size_t>(ranks));
  out.ranks.resize(static_cast<std::size_t>(ranks));
  for (const TimelineEvent& e : timeline.events) {
    if (e.end_s <= e.start_s) continue;
    const WorkTag& tag = tags[e.tag];
    const int channel = channel_of(e, tag);
    edges[e.rank].push_back({e.start_s, channel, +1});
    edges[e.rank].push_back({e.end_s, channel, -1});
    if (channel != 0) continue;
    double shares = 0;
    for (double share : tag.share) shares += share;
    TS_CHECK(std::abs(shares - 1.0) < 1e-9, "compute {} ({}) ran {} s with kind shares summing to {}",
             timeline.name_of(e), tag.name, e.end_s - e.start_s, shares);
    for (std::size_t k = 0; k < tag.share.size(); ++k)
      out.ranks[e.rank].compute_by_kind_s[k] += tag.share[k] * (e.end_s - e.start_s);
  }
  for (int r = 0; r < ranks; ++r) {
    RankMetrics& m = out.ranks[r];
    std::vector<Edge>& list = edges[r];
    std::stable_sort(list.begin(), list.end());
    std::array<int, kChannels> open{};
    double previous = 0;
    for (const Edge& edge : list) {
      const double span = edge.time_s - previous;
      if (span > 0) {
        if (open[0] > 0) {
          m.compute_s += span;
        } else {
          for (int c = 1; c < kChannels; ++c)
            if (open[c] > 0) {
              m.exposed_comm_by_kind_s[kCommOrder[c - 1]] += span;
              break;
            }
        }
        for (int c = 1; c < kChannels; ++c)
          if (open[c] > 0) m.comm_by_kind_s[kCommOrder[c - 1]] += span;
      }
      open[edge.channel] += edge.delta;
      previous = edge.time_s;
    }
    m.idle_s = std::max(0.0, out.makespan_s - m.compute_s - m.exposed_comm_s());
    if (m.idle_s < out.ranks[out.critical_rank].idle_s) out.critical_rank = r;
  }
  return out;
}

}  // namespace trainsim::sim
