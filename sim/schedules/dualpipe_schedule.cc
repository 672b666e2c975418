// DualPipe and DualPipeV share one per-rank procedure of eight steps (deepseek-ai/DualPipe). They differ in
// which lane a rank's "phase 0" is (DualPipe's second half of ranks runs direction b as phase 0) and in the
// stage map (PipelineSchedule). Micro-batches are taken in order per lane; Bi queues its W, W runs the oldest.
#include "sim/schedules/dualpipe_schedule.h"

#include <algorithm>
#include <deque>

#include "core/error.h"

namespace trainsim::sim {
namespace {

// Appends one rank's ops, numbering micro-batches per lane as the reference implementation does.
class RankOps {
 public:
  RankOps(std::vector<ScheduleOp>& ops, bool swap_phases) : ops_(ops), swap_(swap_phases) {}

  void forward(int phase) { ops_.push_back({Phase::kForward, next_forward(phase), {}}); }
  void backward(int phase, bool split_weight) {
    const ChunkRef chunk = next_backward(phase);
    if (split_weight) weights_.push_back(chunk);
    ops_.push_back({split_weight ? Phase::kBackwardInput : Phase::kBackward, chunk, {}});
  }
  void forward_backward(int forward_phase, int backward_phase) {
    const ChunkRef forward_chunk = next_forward(forward_phase);
    ops_.push_back({Phase::kForwardBackward, forward_chunk, next_backward(backward_phase)});
  }
  void weight() {
    TS_CHECK(!weights_.empty(), "W with no deferred weight backward");
    ops_.push_back({Phase::kWeight, weights_.front(), {}});
    weights_.pop_front();
  }
  bool weights_done() const { return weights_.empty(); }

 private:
  int lane(int phase) const { return swap_ ? phase ^ 1 : phase; }
  ChunkRef next_forward(int phase) { return {forward_count_[lane(phase)]++, lane(phase)}; }
  ChunkRef next_backward(int phase) { return {backward_count_[lane(phase)]++, lane(phase)}; }

  std::vector<ScheduleOp>& ops_;
  bool swap_;
  int forward_count_[2] = {0, 0};
  int backward_count_[2] = {0, 0};
  std::deque<ChunkRef> weights_;
};

// The eight steps for a rank at distance `h` from the outer end of its half (h = halves - 1 is the middle),
// `chunks` micro-batches per lane.
void build_rank(RankOps& rank, int halves, int h, int chunks) {
  const int outer = halves - h - 1;
  for (int i = 0; i < 2 * outer; ++i) rank.forward(0);  // 1: nF0
  for (int i = 0; i <= h; ++i) {                        // 2: nF0F1
    rank.forward(0);
    rank.forward(1);
  }
  for (int i = 0; i < outer; ++i) {  // 3: nB1W1F1, zero bubble
    rank.backward(1, true);
    rank.weight();
    rank.forward(1);
  }
  const bool middle = h == halves - 1;
  for (int i = 0; i < chunks - 2 * halves + h + 1; ++i) {  // 4: nF0B1F1B0, the main step
    if (i == 0 && middle) {
      // The first pair on the middle ranks is not overlapped: it shortens the bubble (reference NOTE).
      rank.forward(0);
      rank.backward(1, false);
    } else {
      rank.forward_backward(0, 1);
    }
    rank.forward_backward(1, 0);
  }
  for (int i = 0; i < outer; ++i) {  // 5: nB1F1B0
    rank.backward(1, false);
    rank.forward_backward(1, 0);
  }
  bool split_weight = false;  // 6: nB1B0, the second half with the W split
  for (int i = 0; i <= h; ++i) {
    if (i == (h + 1) / 2 && h % 2 == 1) split_weight = true;
    rank.backward(1, split_weight);
    if (i == (h + 1) / 2 && h % 2 == 0) split_weight = true;
    rank.backward(0, split_weight);
  }
  for (int i = 0; i < outer; ++i) {  // 7: nWB0
    rank.weight();
    rank.backward(0, true);
  }
  for (int i = 0; i <= h; ++i) rank.weight();  // 8: nW
  TS_CHECK(rank.weights_done(), "DualPipe left deferred weight backwards");
}

}  // namespace

PipelineSchedule dualpipe_schedule(int pp, int microbatches) {
  TS_CHECK(pp % 2 == 0 && microbatches % 2 == 0 && microbatches >= 2 * pp, "pp {} microbatches {}", pp,
           microbatches);
  PipelineSchedule schedule(ScheduleKind::kDualPipe, pp, microbatches);
  const int halves = pp / 2;
  for (int r = 0; r < pp; ++r) {
    RankOps rank(schedule.ops(r), r >= halves);
    build_rank(rank, halves, std::min(r, pp - 1 - r), microbatches / 2);
  }
  return schedule;
}

PipelineSchedule dualpipev_schedule(int pp, int microbatches) {
  TS_CHECK(pp % 2 == 0 && microbatches >= pp, "pp {} microbatches {}", pp, microbatches);
  PipelineSchedule schedule(ScheduleKind::kDualPipeV, pp, microbatches);
  const int ranks = pp / 2;
  for (int r = 0; r < ranks; ++r) {
    RankOps rank(schedule.ops(r), false);
    build_rank(rank, ranks, r, microbatches);
  }
  return schedule;
}

}  // namespace trainsim::sim
