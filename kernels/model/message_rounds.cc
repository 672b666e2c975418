// The rounds of a pipeline's messages from the whole plan (message_rounds.h).
#include "kernels/model/message_rounds.h"

#include <algorithm>
#include <map>
#include <stdexcept>
#include <string>
#include <tuple>

namespace trainsim::kernels::model {
namespace {

// An op of the whole pipeline: its pass, micro-batch and stage name it alone.
using OpKey = std::tuple<PipelinePass, int, int>;
struct Where {
  int rank = 0;
  int index = 0;
};

std::string op_name(PipelinePass pass, int micro_batch, int stage) {
  const char* what = pass == PipelinePass::kForward          ? "forward"
                     : pass == PipelinePass::kBackwardWeight ? "weight gradients"
                                                             : "backward";
  return std::string(what) + " of micro-batch " + std::to_string(micro_batch) + " on stage " + std::to_string(stage);
}

class PlanTimes {
 public:
  explicit PlanTimes(const PipelinePlan& plan) : plan_(plan) {
    for (const PipelineRankPlan& rank : plan)
      for (int stage : rank.stage_of_lane) stages_ = std::max(stages_, stage + 1);
    for (int r = 0; r < int(plan.size()); ++r)
      for (int i = 0; i < int(plan[r].ops.size()); ++i) {
        const OpKey key = key_of(r, i);
        if (!where_.emplace(key, Where{r, i}).second)
          throw std::invalid_argument("pipeline plan: the " + name_of(key) + " runs twice");
      }
    end_ = schedule();
  }

  int stage_of(int rank, int index) const {
    const PipelineOp& op = plan_[rank].ops[index];
    if (op.lane < 0 || op.lane >= int(plan_[rank].stage_of_lane.size()))
      throw std::invalid_argument("pipeline plan: rank " + std::to_string(rank) + " runs an op on lane " +
                                  std::to_string(op.lane) + ", which holds no stage");
    return plan_[rank].stage_of_lane[op.lane];
  }
  // Keyed by the pass of its messages: a Bi is the backward (message_pass).
  OpKey key_of(int rank, int index) const {
    const PipelineOp& op = plan_[rank].ops[index];
    return {message_pass(op.pass), op.micro_batch, stage_of(rank, index)};
  }
  // The op whose message this one takes (a forward's from the stage before, a backward's from the stage after); none
  // on the first stage's forward, the last stage's backward (the loss is its own forward's) and a W (its rank's Bi).
  bool has_input(const OpKey& key) const {
    const auto [pass, micro_batch, stage] = key;
    if (pass == PipelinePass::kBackwardWeight) return false;
    return pass == PipelinePass::kForward ? stage > 0 : stage < stages_ - 1;
  }
  bool has_output(const OpKey& key) const {
    const auto [pass, micro_batch, stage] = key;
    if (pass == PipelinePass::kBackwardWeight) return false;
    return pass == PipelinePass::kForward ? stage < stages_ - 1 : stage > 0;
  }
  static OpKey input_of(const OpKey& key) {
    const auto [pass, micro_batch, stage] = key;
    return {pass, micro_batch, pass == PipelinePass::kForward ? stage - 1 : stage + 1};
  }
  static OpKey output_of(const OpKey& key) {
    const auto [pass, micro_batch, stage] = key;
    return {pass, micro_batch, pass == PipelinePass::kForward ? stage + 1 : stage - 1};
  }
  Where where(const OpKey& key, const OpKey& of) const {
    const auto found = where_.find(key);
    if (found == where_.end())
      throw std::invalid_argument("pipeline plan: the " + name_of(of) + " " +
                                  (key == input_of(of) ? "takes its input from" : "sends its output to") + " the " +
                                  name_of(key) + ", which no rank runs");
    return found->second;
  }
  int end(const Where& w) const { return end_[w.rank][w.index]; }

 private:
  static std::string name_of(const OpKey& key) { return op_name(std::get<0>(key), std::get<1>(key), std::get<2>(key)); }

  // Every op's unit-time end, ASAP: a rank runs its ops in order, each once the one before it and its input's
  // producer have ended.
  std::vector<std::vector<int>> schedule() const {
    std::vector<std::vector<int>> end(plan_.size());
    for (size_t r = 0; r < plan_.size(); ++r) end[r].assign(plan_[r].ops.size(), -1);
    std::vector<int> next(plan_.size(), 0);
    for (bool progress = true; progress;) {
      progress = false;
      for (int r = 0; r < int(plan_.size()); ++r)
        for (int& i = next[r]; i < int(plan_[r].ops.size()); ++i) {
          const OpKey key = key_of(r, i);
          int ready = i > 0 ? end[r][i - 1] : 0;
          if (has_input(key)) {
            const Where input = where(input_of(key), key);
            if (end[input.rank][input.index] < 0) break;
            ready = std::max(ready, end[input.rank][input.index]);
          }
          end[r][i] = ready + 1;
          progress = true;
        }
    }
    std::string waits;
    for (int r = 0; r < int(plan_.size()); ++r)
      if (next[r] < int(plan_[r].ops.size())) {
        const OpKey key = key_of(r, next[r]);
        waits += " rank " + std::to_string(r) + "'s " + name_of(key) + " waits for the " + name_of(input_of(key)) + ";";
      }
    if (!waits.empty()) throw std::invalid_argument("pipeline plan: the ranks wait on each other:" + waits);
    return end;
  }

  const PipelinePlan& plan_;
  int stages_ = 0;
  std::map<OpKey, Where> where_;
  std::vector<std::vector<int>> end_;
};

}  // namespace

std::vector<std::vector<MessageRound>> message_rounds(const PipelinePlan& plan, int rank) {
  if (rank < 0 || rank >= int(plan.size()))
    throw std::invalid_argument("pipeline plan: rank " + std::to_string(rank) + " outside a plan of " +
                                std::to_string(plan.size()) + " ranks");
  const PlanTimes times(plan);
  // This rank's rounds by time: what it sends, what it receives.
  std::map<int, MessageRound> by_time;
  const auto round_at = [&](int time) -> MessageRound& {
    MessageRound& round = by_time[time];
    round.time = time;
    return round;
  };
  for (int r = 0; r < int(plan.size()); ++r)
    for (int i = 0; i < int(plan[r].ops.size()); ++i) {
      const OpKey key = times.key_of(r, i);
      if (!times.has_output(key)) continue;
      const OpKey to = PlanTimes::output_of(key);
      const Where consumer = times.where(to, key);  // throws where no rank takes it
      const int ready = times.end(Where{r, i});
      const auto [pass, micro_batch, to_stage] = to;
      if (r == rank) round_at(ready).sends.push_back(StageMessage{pass, micro_batch, to_stage, consumer.rank});
      if (consumer.rank == rank) round_at(ready).receives.push_back(StageMessage{pass, micro_batch, to_stage, r});
    }
  // A round goes before the first op that starts at or after its time (ops start one unit before they end).
  const int ops = int(plan[rank].ops.size());
  std::vector<std::vector<MessageRound>> before(ops + 1);
  int next_op = 0;
  for (auto& [time, round] : by_time) {  // by time
    while (next_op < ops && times.end(Where{rank, next_op}) - 1 < time) ++next_op;
    before[next_op].push_back(std::move(round));
  }
  return before;
}

}  // namespace trainsim::kernels::model
