// ScheduleDependencies: a validated schedule's ops with, for each, the ops whose tasks it needs and the model
// stages whose chunk times price it, an order in which every op comes after those it needs, and each rank's
// peak of activations in flight (all that follows from the op orders alone). The ideal executor (schedule_run.h) times a schedule in one
// pass over this order; a schedule priced on many chunk times (`trainsim plan`, a run's ramp batches) is
// validated and resolved once, not once per pricing.
#pragma once
#include <utility>
#include <vector>

#include "sim/schedules/pipeline_schedule.h"

namespace trainsim::sim {

class ScheduleDependencies {
 public:
  // Validates `schedule` (throws trainsim::Error with its first violation) and resolves its dependencies.
  explicit ScheduleDependencies(const PipelineSchedule& schedule);

  // Ops are numbered rank by rank in each rank's order: op `i` of rank `r` is first_op(r) + i.
  int first_op(int rank) const { return first_op_[static_cast<std::size_t>(rank)]; }
  int op_count() const { return first_op_.back(); }
  int rank_of_op(int op) const { return rank_of_op_[static_cast<std::size_t>(op)]; }

  struct Needed {
    int op = 0;              // the op that performs a task this one needs
    bool other_rank = false;  // it runs on another rank: its output crosses the P2P link
  };
  // The ops `op` waits for (its own rank's previous op aside, which the rank's order already serialises).
  const Needed* needed_begin(int op) const { return needed_.data() + needed_start_[static_cast<std::size_t>(op)]; }
  const Needed* needed_end(int op) const { return needed_.data() + needed_start_[static_cast<std::size_t>(op) + 1]; }

  // The model stage of the op's chunk (pp stages: an interleaved device's virtual stages map onto them), and of
  // the chunk whose backward an F&B runs (the chunk's own stage for every other phase).
  int model_stage(int op) const { return model_stages_[static_cast<std::size_t>(op)].first; }
  int backward_model_stage(int op) const { return model_stages_[static_cast<std::size_t>(op)].second; }

  // The activations a rank holds at its peak, by the counting rule of ScheduleRun::peak_activations: they follow
  // from the rank's op order alone, not from any chunk time.
  double peak_activations(int rank) const { return peak_activations_[static_cast<std::size_t>(rank)]; }

  // Every op once, each after the ops it needs and after its rank's earlier ops.
  const std::vector<int>& order() const { return order_; }

 private:
  std::vector<int> first_op_;      // per rank, then the total
  std::vector<int> rank_of_op_;
  std::vector<std::pair<int, int>> model_stages_;
  std::vector<int> needed_start_;  // per op into needed_, then the total
  std::vector<Needed> needed_;
  std::vector<int> order_;
  std::vector<double> peak_activations_;
};

}  // namespace trainsim::sim
