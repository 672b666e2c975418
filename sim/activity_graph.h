// ActivityGraph: the plain DAG the event engine runs. Compute activities occupy a GPU for a duration; flows
// move bytes from one GPU to another over the platform. Dependencies are counted here, not in SimGrid
// (notes/simgrid-3.32.md, section 3: SimGrid's own DAG grows super-quadratically).
#pragma once
#include <string>
#include <vector>

#include "sim/timeline.h"

namespace trainsim::sim {

struct ActivityLabel {
  int rank = 0;
  std::string name;
  int microbatch = -1;
};

struct Activity {
  Stream stream = Stream::kCompute;  // kCompute: a kernel on `gpu`; kComm: a flow from `gpu` to `dst_gpu`
  int gpu = 0;
  int dst_gpu = 0;
  double duration_s = 0;  // compute only
  double bytes = 0;       // flows only
  bool comm_kernel = false;  // flows only: moved by SM-resident kernels (EP dispatch and combine) that slow
                             // compute on both end GPUs while they run (EngineOptions)
  ActivityLabel label;
  std::vector<int> successors;
  int predecessors = 0;
};

class ActivityGraph {
 public:
  int add_compute(int gpu, double duration_s, ActivityLabel label);
  int add_flow(int src_gpu, int dst_gpu, double bytes, ActivityLabel label, bool comm_kernel = false);
  void add_dependency(int before, int after);

  const std::vector<Activity>& activities() const { return activities_; }
  int size() const { return static_cast<int>(activities_.size()); }
  // The GPUs the activities use, ascending: the slice of the cluster to simulate.
  std::vector<int> gpus() const;

 private:
  std::vector<Activity> activities_;
};

}  // namespace trainsim::sim
