// One entry of a rank's pipeline schedule (phase, micro-batch, lane) and its text notation, the one of
// tests/sim/schedules/data/dualpipe-p8-n20.txt: F3a, B3a, Bi3a, W3a and F7a&B3b (forward 7a overlapped with backward 3b).
#pragma once
#include <string>
#include <string_view>

namespace trainsim::sim {

// F forward; B full backward; Bi backward for inputs only; W its deferred weight backward (B = Bi + W);
// F&B a forward of one micro-batch overlapped with the full backward of another in one chunk (DualPipe; 1F1B and
// interleaved under Megatron-Core's EP all-to-all overlap).
enum class Phase { kForward, kBackward, kBackwardInput, kWeight, kForwardBackward };

std::string_view phase_name(Phase phase);  // "F", "B", "Bi", "W", "F&B"

// A micro-batch on one lane of a rank. The lane is the direction for DualPipe (0 = a enters at rank 0, 1 = b
// enters at the last rank), the half of the V for DualPipeV and the virtual stage for interleaved 1F1B; 0
// for the single-lane schedules. Micro-batches are numbered per direction for DualPipe.
struct ChunkRef {
  int microbatch = 0;
  int lane = 0;
  friend bool operator==(const ChunkRef&, const ChunkRef&) = default;
};

struct ScheduleOp {
  Phase phase = Phase::kForward;
  ChunkRef chunk;     // the chunk of F, B, Bi, W; the forward half of F&B
  ChunkRef backward;  // F&B only: the chunk whose full backward is overlapped
  friend bool operator==(const ScheduleOp&, const ScheduleOp&) = default;
};

// "F3a" with lane letters when the schedule has more than one lane ("a" = lane 0), "F3" otherwise.
std::string format_op(const ScheduleOp& op, int lanes);
// The inverse of format_op; throws trainsim::Error naming the text when it is not an op.
ScheduleOp parse_op(std::string_view text, int lanes);

}  // namespace trainsim::sim
