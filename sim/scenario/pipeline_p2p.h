// PipelineP2p: how a pipeline stage hands its activations (and their gradients) to the next. Overlapped: the
// send runs while the stage goes on computing. Blocking: the stage's next op waits for its send, as
// Megatron-LM's schedules run without --overlap-p2p-communication (batch_isend_irecv, then wait on every
// request and torch.cuda.synchronize(): megatron/p2p_communication.py, 2021, and Megatron-Core's
// p2p_communication.py today). Blocking with scatter-gather: each TP rank sends 1/tp of the activation over
// its own NIC and the receiver all-gathers the pieces over NVLink (Megatron-LM 2021's default
// --scatter-gather-tensors-in-pipeline; docs/sources.md#megatron-2021-code).
#pragma once
#include <array>
#include <string_view>

namespace trainsim::sim {

struct Scenario;

enum class PipelineP2p { kOverlapped, kBlocking, kBlockingScatterGather };
inline constexpr std::array kAllPipelineP2p{PipelineP2p::kOverlapped, PipelineP2p::kBlocking,
                                            PipelineP2p::kBlockingScatterGather};

constexpr std::string_view pipeline_p2p_name(PipelineP2p p2p) {
  switch (p2p) {
    case PipelineP2p::kOverlapped: return "overlapped";
    case PipelineP2p::kBlocking: return "blocking";
    case PipelineP2p::kBlockingScatterGather: return "blocking-scatter-gather";
  }
  return "overlapped";
}

// What one GPU of a stage moves for one micro-batch's hidden states (BF16, micro-batch x sequence x hidden):
// over its NIC to the same GPU of the next stage, and then, with scatter-gather, over NVLink from its TP peers
// ((tp - 1)/tp of them, NCCL's all-gather). Sequence parallelism splits the hidden states over TP already, so
// each GPU sends its shard and there is nothing to scatter.
struct PipelineSendBytes {
  double nic_bytes = 0;
  double gather_bytes = 0;
};
PipelineSendBytes pipeline_send_bytes(const Scenario& scenario);

}  // namespace trainsim::sim
