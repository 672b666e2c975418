// The generator's popularity (or the replayed counts) per (layer, micro-batch), the router, then rows and
// traffic per GPU pair; balanced routing spreads expected_ep_traffic's per-token copies evenly over pairs.
#include "models/routed_step.h"

#include <algorithm>

#include "core/error.h"
#include "core/parallel_for.h"
#include "models/affinity_generator.h"
#include "models/expert_router.h"
#include "models/routed_traffic.h"

namespace trainsim::models {
namespace {

// Expected copies per token (ep_traffic.h) spread evenly over the peers each link reaches (balanced_peer_spread):
// per node, remote IB copies over the other nodes' same-index GPUs and NVLink forwards over the other GPUs of each
// node (every GPU forwards for all ranks' tokens landing on it: tokens per node); per expert, rows over every other
// GPU.
RoutedLayerLoad balanced_layer(int layer, const RoutedStepRequest& r, int top_k, const TokenBytes& bytes) {
  const int ep = r.group.ep;
  const EpTrafficPerToken per_token = expected_ep_traffic(*r.model, r.group);
  RoutedLayerLoad load;
  load.layer = layer;
  load.rows_per_rank.assign(static_cast<size_t>(ep), r.tokens_per_rank * top_k);
  const size_t cells = static_cast<size_t>(ep) * static_cast<size_t>(ep);
  for (EpTrafficMatrix* m : {&load.dispatch, &load.combine}) {
    m->ep = ep;
    m->nic_bytes.assign(cells, 0.0);
    m->nvlink_bytes.assign(cells, 0.0);
  }
  const double tokens = static_cast<double>(r.tokens_per_rank);
  for (int s = 0; s < ep; ++s) {
    for (int d = 0; d < ep; ++d) {
      const EpPeerSpread spread = balanced_peer_spread(r.group, s, d);
      if (spread.link == EpLink::kNone) continue;
      const bool nic = spread.link == EpLink::kNic;
      const double copies = tokens * (nic ? per_token.nic_copies : per_token.nvlink_copies) / spread.peers;
      (nic ? load.dispatch.nic_bytes : load.dispatch.nvlink_bytes)[load.dispatch.index(s, d)] = copies * bytes.dispatch;
      (nic ? load.combine.nic_bytes : load.combine.nvlink_bytes)[load.combine.index(d, s)] = copies * bytes.combine;
    }
  }
  return load;
}

}  // namespace

std::vector<int> moe_layer_indices(const ModelConfig& model) {
  std::vector<int> out;
  for (int l = 0; l < model.num_layers; ++l)
    if (model.is_moe_layer(l)) out.push_back(l);
  return out;
}

RoutedStep route_step(const RoutedStepRequest& r) {
  TS_CHECK(r.model != nullptr && r.model->is_moe() && r.tokens_per_rank >= 1 && r.microbatches >= 1);
  const ModelConfig& model = *r.model;
  const kernels::RoutingRule rule = routing_rule_for(model);
  const std::vector<int> all_moe = moe_layer_indices(model);
  const std::vector<int> layers = r.layers.empty() ? all_moe : r.layers;
  const ExpertPlacement placement =
      r.placement ? *r.placement : uniform_expert_placement(rule.num_experts, r.group.ep);
  TS_CHECK(!r.bias || r.bias->size() == layers.size());
  const TokenBytes bytes = token_bytes(model, r.fp8_dispatch);

  RoutedStep out;
  out.load.ep = r.group.ep;
  out.load.gpus_per_node = r.group.gpus_per_node;
  out.load.tokens_per_rank = r.tokens_per_rank;
  out.load.top_k = rule.top_k;
  const ExpertRouter router(rule, r.spec);
  const AffinityGenerator generator(r.spec, rule.num_experts, r.seed);
  const int64_t tokens = r.tokens_per_rank * r.group.ep;
  std::vector<int> moe_index(layers.size());  // each listed layer's index among the MoE layers
  for (size_t i = 0; i < layers.size(); ++i) {
    const auto at = std::find(all_moe.begin(), all_moe.end(), layers[i]);
    TS_CHECK(at != all_moe.end(), "layer {} of {} is not an MoE layer", layers[i], model.name);
    moe_index[i] = static_cast<int>(at - all_moe.begin());
  }
  const bool routed = r.spec.source != RoutingSource::kBalanced;
  out.load.microbatches.assign(static_cast<size_t>(r.microbatches), std::vector<RoutedLayerLoad>(layers.size()));
  if (routed) out.stats.assign(static_cast<size_t>(r.microbatches), std::vector<RoutingStats>(layers.size()));
  // Every (micro-batch, layer) draws from streams of its own: routed in parallel, the same bytes on any core count.
  parallel_for(r.microbatches * static_cast<int64_t>(layers.size()), [&](int64_t task) {
    const auto m = static_cast<size_t>(task) / layers.size(), i = static_cast<size_t>(task) % layers.size();
    if (!routed) {
      out.load.microbatches[m][i] = balanced_layer(layers[i], r, rule.top_k, bytes);
      return;
    }
    std::vector<double> popularity;
    if (r.spec.source == RoutingSource::kReplay) {
      TS_CHECK(r.replay != nullptr && r.replay->num_experts == rule.num_experts);
      popularity = AffinityGenerator::popularity_from_counts(r.replay->at(layers[i], r.step));
    } else {
      popularity = generator.popularity(moe_index[i], r.step, static_cast<int>(m));
    }
    const std::vector<double> none;
    const TokenRouting routing = router.route(popularity, r.bias ? std::span<const double>((*r.bias)[i]) : none, tokens,
                                              routing_stream(r.seed, moe_index[i], r.step, static_cast<int>(m)));
    out.stats[m][i] = routing_stats(routing, rule.num_experts, r.group);
    out.load.microbatches[m][i] = routed_layer_load(layers[i], routing, r.tokens_per_rank, placement, r.group, bytes);
  });
  for (size_t i = 0; i < layers.size() && !out.stats.empty(); ++i) {
    std::vector<int64_t> summed(static_cast<size_t>(rule.num_experts), 0);
    for (const std::vector<RoutingStats>& micro : out.stats)
      for (size_t e = 0; e < summed.size(); ++e) summed[e] += micro[i].tokens_per_expert[e];
    out.max_vio_step.push_back(max_vio(summed));
  }
  return out;
}

}  // namespace trainsim::models
