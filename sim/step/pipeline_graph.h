// The activity graph of a pipeline schedule: per rank its ops in order, with the dependencies of
// stage_task.h. A rank is one GPU or a group of member GPUs that run the same ops (an EP group at gpu
// fidelity); a dependency between ranks becomes a P2P flow of the activations (forward) or their gradients
// (backward), same size, from each member to the member of the same index. How an op becomes activities is
// the OpExpansion's business: its layers' ops in step_graph.h (a chunk-level expansion that checks the
// graph against the ideal executor lives with the tests).
#pragma once
#include <vector>

#include "sim/engine/activity_graph.h"
#include "sim/schedules/pipeline_schedule.h"
#include "sim/schedules/stage_task.h"

namespace trainsim::sim {

// The timeline rank of a rank's member GPU: members are numbered rank-major (rank r alone when one GPU).
inline int timeline_rank(int rank, int member, int members) { return rank * members + member; }

struct TaskSpan {
  int first = -1;  // the activity that waits for the task's inputs
  int last = -1;   // the activity whose end makes the task's output ready
};

struct ExpandedOp {
  std::vector<std::vector<TaskSpan>> tasks;  // [member][task], tasks as tasks_of lists them
  std::vector<TaskSpan> compute;             // [member]: the op's first and last compute activity
};

// How each op of a schedule becomes activities on the GPUs of its rank.
class OpExpansion {
 public:
  virtual ~OpExpansion() = default;
  virtual ExpandedOp expand(ActivityGraph& graph, int rank, const ScheduleOp& op,
                            const std::vector<StageTask>& tasks) = 0;
};

struct PipelinePlacement {
  std::vector<std::vector<int>> rank_gpus;  // [rank][member]: the GPUs of each rank, as many on every rank
  double activation_bytes = 0;              // what each member sends of one micro-batch's hidden states
  // Blocking sends (sim/scenario/pipeline_p2p.h): the sending rank's next op waits for the send to end.
  bool blocking_sends = false;
  // Scatter-gather: the receiving member all-gathers the pieces over NVLink, a flow of `gather_bytes` from
  // gather_peers[rank][member] that the consumer waits for; empty or -1: none.
  double gather_bytes = 0;
  std::vector<std::vector<int>> gather_peers;
};

struct PipelineGraph {
  ActivityGraph graph;
  std::vector<std::vector<int>> last_compute;  // [rank][member]: the last compute activity, -1 if none
};

// Adds the schedule to `graph` (which may already hold activities); flows are named "P2P F3 s2>r3" (the task
// they carry and the receiving rank).
PipelineGraph pipeline_graph(const PipelineSchedule& schedule, OpExpansion& expansion,
                             const PipelinePlacement& placement, ActivityGraph graph = {});

}  // namespace trainsim::sim
