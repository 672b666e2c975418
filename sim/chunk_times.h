// ChunkTimes: the durations of one pipeline chunk (one stage, one micro-batch) by phase, the inputs of the
// published bubble formulas and of the ideal executor.
#pragma once

namespace trainsim::sim {

struct ChunkTimes {
  double forward_s = 0;          // F
  double backward_s = 0;         // B: full backward, inputs and weights (B = Bi + W)
  double weight_backward_s = 0;  // W: the deferred weight part
  double overlapped_s = 0;       // F&B: a forward and a backward of two micro-batches overlapped (DualPipe)
};

}  // namespace trainsim::sim
