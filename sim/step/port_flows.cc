// The transportation problem's north-west corner with the diagonal exchanged away (see port_flows.h).
#include "sim/step/port_flows.h"

#include <algorithm>
#include <map>
#include <numeric>

#include "core/error.h"

namespace trainsim::sim {

namespace {

// The corner with the receivers in ring order from each sender's `offset`-th successor, then the exchanges.
std::optional<std::vector<PortFlow>> corner(const std::vector<double>& out, const std::vector<double>& in, int offset) {
  const int n = static_cast<int>(out.size());
  std::vector<PortFlow> flows;
  // Below this a remainder is rounding of the two sums, not bytes (relative to the whole all-to-all).
  const double negligible = 1e-12 * std::accumulate(out.begin(), out.end(), 0.0);
  std::vector<double> supply = out, demand = in, self(static_cast<std::size_t>(n), 0.0);
  for (int sender = 0, position = 0; sender < n && position < n;) {  // receiver position p is GPU (p + offset) % n
    const int receiver = (position + offset) % n;
    const double bytes = std::min(supply[static_cast<std::size_t>(sender)], demand[static_cast<std::size_t>(receiver)]);
    if (bytes > negligible) {
      if (receiver == sender) self[static_cast<std::size_t>(sender)] += bytes;
      else flows.push_back({sender, receiver, bytes});
    }
    supply[static_cast<std::size_t>(sender)] -= bytes;
    demand[static_cast<std::size_t>(receiver)] -= bytes;
    if (supply[static_cast<std::size_t>(sender)] <= negligible) ++sender;
    else ++position;
  }
  // What GPU i would send itself goes through flows a -> b that do not touch it, as a -> i and i -> b: a's bytes
  // out, b's in and i's both ways stay as they were. A matrix with no diagonal leaves such flows enough bytes
  // (out_i <= total - in_i), so the search does not run dry.
  for (int i = 0; i < n; ++i) {
    double left = self[static_cast<std::size_t>(i)];
    for (std::size_t f = 0; f < flows.size() && left > negligible; ++f) {
      if (flows[f].from == i || flows[f].to == i || flows[f].bytes <= negligible) continue;
      const double moved = std::min(flows[f].bytes, left);
      flows[f].bytes -= moved;
      left -= moved;
      const int a = flows[f].from, b = flows[f].to;
      flows.push_back({a, i, moved});
      flows.push_back({i, b, moved});
    }
    if (left > negligible) return std::nullopt;
  }
  std::map<std::pair<int, int>, double> merged;  // one flow per pair
  for (const PortFlow& f : flows)
    if (f.bytes > negligible) merged[{f.from, f.to}] += f.bytes;
  flows.clear();
  for (const auto& [pair, bytes] : merged) flows.push_back({pair.first, pair.second, bytes});
  return flows;
}

}  // namespace

std::optional<std::vector<PortFlow>> port_flows(const std::vector<double>& out, const std::vector<double>& in) {
  const int n = static_cast<int>(out.size());
  TS_CHECK(in.size() == out.size(), "{} senders, {} receivers", out.size(), in.size());
  if (n < 2) return std::vector<PortFlow>{};
  // Every ring offset's corner, the fewest flows kept. A corner that meets no GPU on the diagonal is a staircase
  // of at most 2n - 1 flows (a basic solution; generic loads need that many), so the search stops there; each
  // exchange adds up to two. The default step's skewed routing (EP 64, 2026-12-03) averaged 17.8 flows per 8
  // GPUs with the first offset that worked, 15.0 with the fewest. Where the exchanges run dry (another GPU's own
  // bytes used up the flows that avoid this one), the ring from a further successor meets others on the diagonal.
  std::optional<std::vector<PortFlow>> best;
  for (int offset = 1; offset < n; ++offset) {
    std::optional<std::vector<PortFlow>> flows = corner(out, in, offset);
    if (flows && (!best || flows->size() < best->size())) best = std::move(flows);
    if (best && static_cast<int>(best->size()) <= 2 * n - 1) break;
  }
  return best;
}

}  // namespace trainsim::sim
