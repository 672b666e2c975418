// ActivityGraph building (see activity_graph.h) and the stream names of the timeline.
#include "sim/activity_graph.h"

#include <algorithm>

#include "core/error.h"

namespace trainsim::sim {

std::string_view stream_name(Stream stream) {
  switch (stream) {
    case Stream::kCompute: return "compute";
    case Stream::kComm: return "comm";
  }
  return "?";
}

int ActivityGraph::add_compute(int gpu, double duration_s, ActivityLabel label) {
  TS_CHECK(gpu >= 0 && duration_s >= 0, "compute on GPU {} for {} s", gpu, duration_s);
  activities_.push_back({Stream::kCompute, gpu, gpu, duration_s, 0, false, std::move(label), {}, 0});
  return size() - 1;
}

int ActivityGraph::add_flow(int src_gpu, int dst_gpu, double bytes, ActivityLabel label, bool comm_kernel) {
  TS_CHECK(src_gpu >= 0 && dst_gpu >= 0 && src_gpu != dst_gpu && bytes >= 0, "flow of {} B from GPU {} to {}",
           bytes, src_gpu, dst_gpu);
  activities_.push_back({Stream::kComm, src_gpu, dst_gpu, 0, bytes, comm_kernel, std::move(label), {}, 0});
  return size() - 1;
}

void ActivityGraph::add_dependency(int before, int after) {
  TS_CHECK(before >= 0 && before < size() && after >= 0 && after < size() && before != after,
           "dependency {} -> {} among {} activities", before, after, size());
  activities_[before].successors.push_back(after);
  ++activities_[after].predecessors;
}

std::vector<int> ActivityGraph::gpus() const {
  std::vector<int> out;
  for (const Activity& a : activities_) {
    out.push_back(a.gpu);
    if (a.stream == Stream::kComm) out.push_back(a.dst_gpu);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace trainsim::sim
