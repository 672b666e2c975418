// PairSimulation: one DualPipe F&B chunk pair of N MoE layers on one GPU, run on the event engine as DualPipe
// issues it: a compute stream and a communication (DeepEP) stream, with the data dependencies between them.
// It gives each EP op's duration as a profiler sees it, and the pair's wall time (issue 13).
//
// Issue order, per layer i of each chunk (DeepSeek's profile, hardware/calibration/traces/
// deepseek-v3-h800-train.json: the main thread's user annotations come, layer after layer, as
//   combine(B) attn(F) mlp(B) dispatch(F) dispatch(B) mlp(W) mlp(F) attn(B) attn(W) combine(F),
// the order of DualPipe's overlapped F&B chunk in its README's overlap figure, github.com/deepseek-ai/DualPipe):
//   compute stream (trace stream 7):  attn F, MoE B, MoE W, MoE F, attn B, attn W
//   comm stream    (trace stream 27): combine B, dispatch F, dispatch B, combine F
// where "combine B" is the combine's gradient going out (a dispatch, FP8) and "dispatch B" the dispatch's
// gradient coming back (a combine, BF16), as models/op.h OpRole places them.
// Data dependencies: attn F(i) -> dispatch F(i) -> MoE F(i) -> combine F(i) -> attn F(i+1); backward:
// attn B(i-1) -> combine B(i) -> MoE B(i) -> dispatch B(i) -> attn B(i) -> attn W(i), MoE B(i) -> MoE W(i).
// The first combine B waits for nothing: the backward chunk's input gradient comes over PP, left out of the
// profile as of this pair.
//
// NOTE: how a profiler sees a DeepEP op. The trace's comm kernels start when both their stream is free and
// their producer has ended: e.g. layer 0's combine F (cached_notify then combine) starts at 21.405 ms, 3 us
// after its MoE F's last GEMM ends on stream 7 (21.402 ms), though the comm stream is free from 19.460 ms;
// its dispatch F starts at 6.026 ms, 2 us after attn F's last kernel (6.024 ms). DualPipe gates them with
// events, so no comm kernel spins on its own chunk's compute: what the trace counts beyond the transfer is in
// the kernels themselves (notify kernels waiting for the 63 peers, transfers slower than the link rate).
// So the engine's flow start is the kernel's start, and the observed duration is end - start.
#pragma once
#include <string_view>
#include <vector>

#include "hardware/cluster_spec.h"
#include "hardware/op_time_model.h"
#include "hardware/topology.h"
#include "models/op_catalog.h"
#include "sim/engine/timeline.h"
#include "sim/step/priced_scenario.h"

namespace trainsim::sim {

// The EP ops of a layer, in the comm stream's issue order.
enum class PairEpOp { kCombineBackward, kDispatchForward, kDispatchBackward, kCombineForward };
inline constexpr int kPairEpOpCount = 4;
std::string_view pair_ep_op_name(PairEpOp op);  // "combine B", "dispatch F", "dispatch B", "combine F"

struct EpTransfer {
  double nvlink_bytes = 0;     // intra-node bytes this GPU sends
  double nic_bytes = 0;        // inter-node bytes this GPU sends, over DeepEP's achieved NIC share (nic_rate_bytes)
  double link_rate_s = 0;      // the slower leg at link rate plus latency (layer_timing.h communication_seconds)
};

// One MoE layer of each chunk, priced: the compute stream's blocks and the comm stream's transfers.
struct PairLayerTimes {
  double attention_forward_s = 0, moe_forward_s = 0;
  double attention_backward_s = 0, attention_weight_s = 0;
  double moe_backward_s = 0, moe_weight_s = 0;
  EpTransfer ep[kPairEpOpCount];  // by PairEpOp
};

// The layer's ops grouped by DualPipe block and pass, the way trace_comparison.cc groups them: compute by
// `model`, TP collectives (exposed, on the compute stream) and EP transfers by the cluster's links.
PairLayerTimes pair_layer_times(const models::LayerOps& ops, const hw::OpTimeModel& model, const hw::ClusterSpec& cluster);

struct EpOpRun {
  PairEpOp op = PairEpOp::kCombineBackward;
  int layer = 0;
  double stream_free_s = 0;  // the previous comm op's end (0 for the first)
  double start_s = 0;        // max(stream free, producer done): when the profiler sees the kernel begin
  double end_s = 0;          // its transfer done
  double observed_s() const { return end_s - start_s; }
  double stream_wait_s() const { return start_s - stream_free_s; }  // the stream idle, waiting for the producer
};

struct PairSimulation {
  std::vector<EpOpRun> ep_ops;  // in issue order
  double wall_s = 0;            // the pair's makespan
  double compute_busy_s = 0;    // the compute stream's blocks summed
  Timeline timeline;

  double observed_s(PairEpOp op) const;  // summed over the layers
};

// NOTE: runs SimGrid in a child (engine.h). The EP flows go from GPU 0 to its NVLink peer (GPU 1) and its
// NIC peer on the next node (GPU gpus_per_node, the same rail), both legs at once: the slower sets the pace
// (as step_graph.cc sends them). Throws trainsim::Error for layers < 1, or NIC bytes on a one-node topology.
PairSimulation simulate_pair(const PairLayerTimes& layer, int layers, const hw::Topology& topology);

// The scenario's MoE layer priced at the SMs its schedule leaves compute, on the scenario's topology.
PairSimulation simulate_pair(const PricedScenario& priced, int layers);

}  // namespace trainsim::sim
