// StageOps: what the engine runs for one pipeline stage and one micro-batch, per pass: the op catalog of each
// of the stage's layers grouped into engine ops, the units DeepSeek-V3's overlap works with (tech report
// 3.2.1, Figure 4): attention, router, dispatch, experts, combine, and the dense MLP and TP collectives of
// other models. Each catalog op goes to the slot of its role (models::OpRole), never by its name.
// Consecutive catalog ops of one group become one compute op, priced at the full SM count (the engine slows
// them while communication kernels run), its time split by op kind (models/compute_kind.h) so the metrics
// can attribute it; each communication op keeps its NVLink and IB bytes.
#pragma once
#include <string>
#include <vector>

#include "models/compute_kind.h"
#include "sim/step/priced_model.h"

namespace trainsim::sim {

// What a stage op is: a group of compute (the units of DeepSeek-V3's overlap) or communication by purpose.
enum class StageOpKind { kEmbeddingHead, kAttention, kRouter, kExperts, kMlp, kEp, kTp, kCp };

std::string_view stage_op_kind_name(StageOpKind kind);  // "embedding_head", "attention", ..., "ep", "tp", "cp"

struct StageOp {
  std::string name;  // "F L12 attention", "Bi L12 dispatch", "B head head"
  StageOpKind kind = StageOpKind::kAttention;
  double compute_s = 0;     // compute ops, at the balanced expert load
  double routed_compute_s = 0;  // the part of compute_s that grows with the tokens a GPU's experts receive
  unsigned routed_passes = 0;   // the passes whose routed ops it holds (RoutedExpertPricing's pass_bit mask)
  models::ComputeKindSeconds compute_by_kind_s{};  // compute_s split by op kind
  models::ComputeKindSeconds routed_by_kind_s{};   // routed_compute_s split by op kind
  double nvlink_bytes = 0;  // communication ops: bytes this GPU sends over NVLink
  double nic_bytes = 0;     // and over its NIC (DeepSeek's path: once per target node)
  // TP and CP ops: NCCL's latency of their collectives (hardware/nccl_collective.h); their bytes above are NCCL's
  // bus bytes over its bus-bandwidth efficiency, the bytes that take its bandwidth time at the link's rate.
  double latency_s = 0;
  // EP ops: how many of the catalog's dispatch-kind and combine-kind all-to-alls they carry (the forward dispatch
  // and the combine's gradient move tokens to their experts, the forward combine and the dispatch's gradient
  // bring them back), so a routed load's traffic matrices can replace the expected bytes above.
  int ep_dispatches = 0, ep_combines = 0;
  models::EpDispatch ep_dispatch = models::EpDispatch::kPerNode;  // EP ops: their all-to-all's path (ep_dispatch.h)
  // The layer (index in stage_layers) of the op's last part: an op merged from two layers' compute ends with
  // the later one's. Where gradient buckets become ready (data_parallel.h).
  int layer = -1;
  int model_layer = -1;  // the same layer's index in the model (StageLayer::model_layer), -1 for embedding and head
  bool is_communication() const {
    return kind == StageOpKind::kEp || kind == StageOpKind::kTp || kind == StageOpKind::kCp;
  }
};

struct StageOps {
  std::vector<StageOp> forward;          // F, in execution order
  std::vector<StageOp> backward_input;   // Bi: the layers in reverse, communication where it falls
  std::vector<StageOp> weight;           // W: the weight gradients alone, layers in reverse
  std::vector<StageOp> backward;         // B = Bi with each group's weight gradients right after its input
                                         // gradients (Figure 4: MLP(B), MLP(W), ..., ATTN(B), ATTN(W))
  double compute_s(const std::vector<StageOp>& pass) const;
};

// The ops of `priced`'s catalog, each compute op priced by `time_model`, each TP collective by NCCL's model
// on `cluster`'s links.
StageOps stage_ops(const Stage& stage, const PricedModel& priced, const models::ModelConfig& model,
                   const hw::OpTimeModel& time_model, const hw::ClusterSpec& cluster);

}  // namespace trainsim::sim
