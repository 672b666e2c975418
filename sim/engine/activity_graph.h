// ActivityGraph: the plain DAG the event engine runs. Compute activities occupy a GPU for a duration; flows
// move bytes from one GPU to another over the platform. Dependencies are counted here, not in SimGrid
// (docs/simgrid.md#lazy-start: SimGrid's own DAG grows super-quadratically).
#pragma once
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "sim/engine/timeline.h"

namespace trainsim::sim {

struct ActivityLabel {
  int rank = 0;
  int name = 0;  // ActivityGraph::intern
  int microbatch = -1;
  int tag = 0;  // what the activity is, in the builder's words; the engine only carries it to the timeline
};

struct Activity {
  Stream stream = Stream::kCompute;  // kCompute: a kernel on `gpu`; kComm: a flow from `gpu` to `dst_gpu`
  bool comm_kernel = false;  // flows only: moved by SM-resident kernels (EP dispatch and combine) that slow
                             // compute on both end GPUs while they run (EngineOptions)
  int gpu = 0;
  int dst_gpu = 0;
  double duration_s = 0;  // compute only
  double bytes = 0;       // flows only
  // Flows only: a wait before the bytes move, on top of the route's latency (an NCCL collective's software
  // latency, hardware/nccl_collective.h); the timeline counts it as part of the flow.
  double delay_s = 0;
  ActivityLabel label;
  int predecessors = 0;
  std::vector<int> successors;
};

class ActivityGraph {
 public:
  // The id of `name` in names(), adding it on first use.
  int intern(std::string_view name);
  int add_compute(int gpu, double duration_s, ActivityLabel label);
  int add_flow(int src_gpu, int dst_gpu, double bytes, ActivityLabel label, bool comm_kernel = false,
               double delay_s = 0);
  void add_dependency(int before, int after);
  // What the trace calls rank r ("stage 3 (GPU 384)"); optional.
  void name_rank(int rank, std::string name);
  // What the trace calls tag t (its category: "attention", "ep"); optional.
  void name_tag(int tag, std::string name);

  const std::vector<Activity>& activities() const { return activities_; }
  const std::vector<std::string>& names() const { return names_; }
  const std::vector<std::string>& rank_names() const { return rank_names_; }
  const std::vector<std::string>& tag_names() const { return tag_names_; }
  int size() const { return static_cast<int>(activities_.size()); }
  // The GPUs the activities use, ascending: the slice of the cluster to simulate.
  std::vector<int> gpus() const;
  // The distinct (source, destination) GPU pairs of the flows, ascending: the routes the platform needs.
  std::vector<std::pair<int, int>> flow_pairs() const;

 private:
  std::vector<Activity> activities_;
  std::vector<std::string> names_;
  std::unordered_map<std::string, int> name_ids_;
  std::vector<std::string> rank_names_;
  std::vector<std::string> tag_names_;
};

}  // namespace trainsim::sim
