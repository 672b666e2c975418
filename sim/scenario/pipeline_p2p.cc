// What a pipeline stage's GPU sends per micro-batch (pipeline_p2p.h).
#include "sim/scenario/pipeline_p2p.h"

#include "sim/scenario/scenario.h"

namespace trainsim::sim {

PipelineSendBytes pipeline_send_bytes(const Scenario& s) {
  const ParallelLayout& l = s.layout;
  // The micro-batch's hidden states on this GPU: its share of each sequence under context parallelism.
  const double hidden_states_bytes =
      l.micro_batch_size * static_cast<double>(s.job.sequence_length) / l.cp * s.job.model.hidden_size * 2.0;
  if (l.sequence_parallel) return {hidden_states_bytes / l.tp, 0.0};
  if (l.pipeline_p2p == PipelineP2p::kBlockingScatterGather && l.tp > 1)
    return {hidden_states_bytes / l.tp, hidden_states_bytes * (l.tp - 1) / l.tp};
  return {hidden_states_bytes, 0.0};
}

}  // namespace trainsim::sim
