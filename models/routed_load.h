// What routing puts on each GPU of one expert-parallel group: per MoE layer and micro-batch, the routed rows
// each EP rank's experts compute and the all-to-all bytes between ranks on DeepSeek-V3's path (tech report
// section 3.2.2: a token crosses InfiniBand once per target node, to the GPU with its own index there, and is
// forwarded over NVLink to the further GPUs of that node holding its experts). The router (models/) makes it;
// the step graph (sim/step) prices it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace trainsim::models {

// Bytes between the ranks of one EP group, row-major [sender * ep + receiver]. EP rank r sits on node
// r / gpus_per_node at local index r % gpus_per_node.
struct EpTrafficMatrix {
  int ep = 0;
  std::vector<double> nic_bytes;     // over InfiniBand: to the same local index on another node
  std::vector<double> nvlink_bytes;  // over NVLink: between GPUs of one node (the forwarding leg included)

  double nic(int sender, int receiver) const { return nic_bytes[index(sender, receiver)]; }
  double nvlink(int sender, int receiver) const { return nvlink_bytes[index(sender, receiver)]; }
  std::size_t index(int sender, int receiver) const {
    return static_cast<std::size_t>(sender) * static_cast<std::size_t>(ep) + static_cast<std::size_t>(receiver);
  }
};

// One MoE layer of one micro-batch.
struct RoutedLayerLoad {
  int layer = 0;                       // the layer's index in the model (0-based, dense layers counted; MTP
                                       // module k is num_layers + k, as DeepSeek-V3's checkpoint numbers it)
  std::vector<int64_t> rows_per_rank;  // [EP rank] (token, expert) rows its routed experts compute
  EpTrafficMatrix dispatch;            // tokens to the experts (FP8 with its scales on DeepSeek-V3)
  EpTrafficMatrix combine;             // expert outputs back (BF16): the reverse direction of dispatch
};

// A step's routing for one EP group: [micro-batch][MoE layer]. A step with more micro-batches than listed
// repeats them in order (micro-batch m uses entry m % size). Balanced routing is rows_per_rank equal to
// tokens_per_rank * top_k on every rank.
struct RoutedStepLoad {
  int ep = 1;
  int gpus_per_node = 8;
  int64_t tokens_per_rank = 0;  // tokens each EP rank routes per micro-batch (its micro-batch x sequence)
  int top_k = 1;
  std::vector<std::vector<RoutedLayerLoad>> microbatches;
};

}  // namespace trainsim::models
