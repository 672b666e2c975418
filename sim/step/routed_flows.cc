// Routed EP flows (see routed_flows.h).
#include "sim/step/routed_flows.h"

#include <algorithm>
#include <optional>
#include <tuple>

#include "sim/step/pipeline_graph.h"
#include "sim/step/port_flows.h"
#include "sim/step/work_tag.h"

namespace trainsim::sim {

std::vector<std::vector<int>> add_routed_ep_flows(ActivityGraph& graph, const ReplicaGpus& gpus,
                                                  const hw::ClusterSpec& cluster, Fidelity fidelity, int device,
                                                  const StageOp& op, const models::RoutedLayerLoad& layer,
                                                  RoutedLoadView& view, const std::vector<std::vector<int>>& ready,
                                                  int microbatch) {
  const int members = gpus.members();
  const int id_name = graph.intern(op.name);
  std::vector<std::vector<int>> waits(static_cast<std::size_t>(members));
  // NOTE: an EP flow waits no NCCL latency of its own (DeepEP's kernels, not NCCL): its route's latency is all.
  auto flow = [&](int member, int from, int to, double bytes) {
    const int f =
        graph.add_flow(from, to, bytes, {timeline_rank(device, member, members), id_name, microbatch, WorkTags::kEp}, true);
    for (int before : ready[static_cast<std::size_t>(member)]) graph.add_dependency(before, f);
    waits[static_cast<std::size_t>(member)].push_back(f);
    return f;
  };
  if (fidelity == Fidelity::kGpu) {
    // Each link's all-to-all among the GPUs it joins, carried by flows that load every port as the matrix does
    // (port_flows.h): NVLink inside each node of the group, the NIC inside each plane (one local index on
    // every node of the group, DeepSeek's path crossing nodes at its own index).
    const int ep = std::max(1, gpus.ep()), per_node = cluster.gpus_per_node;
    const int in_node = std::min(ep, per_node), nodes = ep / in_node;
    auto link_flows = [&](int group, const std::vector<int>& ranks, bool nic) {
      const std::size_t n = ranks.size();
      std::vector<double> out(n), in(n), pairs(n * n);
      for (std::size_t a = 0; a < n; ++a)
        for (std::size_t b = 0; b < n; ++b) {
          if (a == b) continue;
          const EpPairBytes bytes = ep_pair_bytes(op, layer, ranks[a], ranks[b]);
          const double v = nic ? bytes.nic : bytes.nvlink;
          pairs[a * n + b] = v;
          out[a] += v;
          in[b] += v;
        }
      std::optional<std::vector<PortFlow>> flows = port_flows(out, in);
      if (!flows) {  // the pairs themselves
        flows.emplace();
        for (std::size_t a = 0; a < n; ++a)
          for (std::size_t b = 0; b < n; ++b)
            if (pairs[a * n + b] > 0) flows->push_back({static_cast<int>(a), static_cast<int>(b), pairs[a * n + b]});
      }
      for (const PortFlow& p : *flows) {
        const int from = group + ranks[static_cast<std::size_t>(p.from)], to = group + ranks[static_cast<std::size_t>(p.to)];
        const int f = flow(from, gpus.gpu(device, from), gpus.gpu(device, to), p.bytes);
        waits[static_cast<std::size_t>(to)].push_back(f);
      }
    };
    std::vector<int> ranks;
    for (int group = 0; group < members; group += ep) {
      for (int node = 0; node < nodes; ++node) {
        ranks.clear();
        for (int i = 0; i < in_node; ++i) ranks.push_back(node * per_node + i);
        link_flows(group, ranks, false);
      }
      for (int index = 0; index < in_node && nodes > 1; ++index) {
        ranks.clear();
        for (int node = 0; node < nodes; ++node) ranks.push_back(node * per_node + index);
        link_flows(group, ranks, true);
      }
    }
  } else {
    const EpPortBytes ports = ep_port_bytes(op, layer, view.straggler(layer));
    const int gpu = gpus.gpu(device, 0), group = gpus.cluster_gpus();
    const int nvlink = gpus.nvlink_peer(gpu, group), nic = gpus.nic_peer(gpu, group);
    // NOTE: what it receives runs as a flow where it exceeds what it sends on that link: a smaller receive
    // ends before the send on the duplex link and, as under balanced routing, is left out (a fifth fewer
    // activities on the default step, which stage fidelity is meant to run in under a second).
    for (auto [from, to, bytes] :
         {std::tuple{gpu, nvlink, ports.nvlink_out}, std::tuple{gpu, nic, ports.nic_out},
          std::tuple{nvlink, gpu, ports.nvlink_in > ports.nvlink_out ? ports.nvlink_in : 0.0},
          std::tuple{nic, gpu, ports.nic_in > ports.nic_out ? ports.nic_in : 0.0}})
      if (from >= 0 && to >= 0 && bytes > 0) flow(0, from, to, bytes);
  }
  return waits;
}

}  // namespace trainsim::sim
