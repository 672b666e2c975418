// Megatron's interleaved order: micro-batches go in groups of pp through each virtual stage in turn, with
// 2(pp-r-1) + (v-1)pp warm-up forwards on rank r, then one forward and one backward at a time.
#include "sim/schedules/interleaved_schedule.h"

#include <algorithm>

#include "core/error.h"

namespace trainsim::sim {
namespace {

// The k-th forward (or backward) a rank runs: micro-batches in groups of pp, each group through all lanes.
ChunkRef virtual_chunk(int k, int pp, int lanes, bool forward) {
  const int in_group = k % (pp * lanes);
  const int lane = in_group / pp;
  return {(k / (pp * lanes)) * pp + k % pp, forward ? lane : lanes - 1 - lane};
}

}  // namespace

PipelineSchedule interleaved_schedule(int pp, int microbatches, int virtual_stages, bool paired) {
  TS_CHECK(virtual_stages >= 2 && microbatches % pp == 0, "pp {} microbatches {} v {}", pp, microbatches,
           virtual_stages);
  PipelineSchedule schedule(ScheduleKind::kInterleaved, pp, microbatches, virtual_stages);
  const int total = microbatches * virtual_stages;
  for (int r = 0; r < pp; ++r) {
    auto& ops = schedule.ops(r);
    // Megatron-LM's schedules.py: with the EP overlap "one extra micro-batch forward step before the 1f1b stages".
    const int warmup = std::min(2 * (pp - r - 1) + (virtual_stages - 1) * pp + (paired ? 1 : 0), total);
    int forwards = 0;
    int backwards = 0;
    while (forwards < warmup)
      ops.push_back({Phase::kForward, virtual_chunk(forwards++, pp, virtual_stages, true), {}});
    while (forwards < total) {
      const ChunkRef forward = virtual_chunk(forwards++, pp, virtual_stages, true);
      const ChunkRef backward = virtual_chunk(backwards++, pp, virtual_stages, false);
      if (paired) {
        ops.push_back({Phase::kForwardBackward, forward, backward});
      } else {
        ops.push_back({Phase::kForward, forward, {}});
        ops.push_back({Phase::kBackward, backward, {}});
      }
    }
    while (backwards < total)
      ops.push_back({Phase::kBackward, virtual_chunk(backwards++, pp, virtual_stages, false), {}});
  }
  return schedule;
}

}  // namespace trainsim::sim
