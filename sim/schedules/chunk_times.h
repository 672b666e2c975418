// The time one pipeline chunk takes in each phase: the inputs of the schedule executor and of the published
// bubble formulas (DualPipe README: F, B, W, F&B). One chunk = the layers of one of pp stages, one micro-batch.
#pragma once

namespace trainsim::sim {

struct ChunkTimes {
  double forward_s = 1.0;          // F
  double backward_s = 2.0;         // B: the full backward, inputs and weights (B = Bi + W)
  double weight_backward_s = 1.0;  // W: the deferred weight backward of the zero-bubble split
  double overlapped_s = 3.0;       // F&B: a forward and a backward of two micro-batches overlapped in one chunk

  // Bi: the backward for inputs alone, what is left of B once W is split off.
  double backward_input_s() const { return backward_s - weight_backward_s; }
};

}  // namespace trainsim::sim
