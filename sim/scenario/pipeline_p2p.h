// PipelineP2p: how a pipeline stage hands its activations (and their gradients) to the next. Overlapped: the
// send runs while the stage goes on computing. Blocking: the stage's next op waits for its send, as
// Megatron-LM's schedules run without --overlap-p2p-communication (batch_isend_irecv, then wait on every
// request and torch.cuda.synchronize(): megatron/p2p_communication.py, 2021, and Megatron-Core's
// p2p_communication.py today). Blocking with scatter-gather: each TP rank sends 1/tp of the activation over
// its own NIC and the receiver all-gathers the pieces over NVLink (Megatron-LM 2021's default
// --scatter-gather-tensors-in-pipeline; docs/sources.md#megatron-2021-code).
#pragma once
#include <string_view>

namespace trainsim::sim {

enum class PipelineP2p { kOverlapped, kBlocking, kBlockingScatterGather };

constexpr std::string_view pipeline_p2p_name(PipelineP2p p2p) {
  switch (p2p) {
    case PipelineP2p::kOverlapped: return "overlapped";
    case PipelineP2p::kBlocking: return "blocking";
    case PipelineP2p::kBlockingScatterGather: return "blocking-scatter-gather";
  }
  return "overlapped";
}

}  // namespace trainsim::sim
