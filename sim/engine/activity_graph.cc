// ActivityGraph building (see activity_graph.h) and the names of the timeline's streams, ranks and tags.
#include "sim/engine/activity_graph.h"

#include <fmt/format.h>

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

std::string Timeline::rank_name(int rank) const {
  if (rank >= 0 && rank < static_cast<int>(rank_names.size()) && !rank_names[rank].empty()) return rank_names[rank];
  return fmt::format("rank {}", rank);
}

std::string Timeline::tag_name(int tag) const {
  if (tag >= 0 && tag < static_cast<int>(tag_names.size()) && !tag_names[tag].empty()) return tag_names[tag];
  return fmt::format("tag {}", tag);
}

int ActivityGraph::intern(std::string_view name) {
  auto [it, fresh] = name_ids_.try_emplace(std::string(name), static_cast<int>(names_.size()));
  if (fresh) names_.emplace_back(name);
  return it->second;
}

int ActivityGraph::add_compute(int gpu, double duration_s, ActivityLabel label) {
  TS_CHECK(gpu >= 0 && duration_s >= 0, "compute on GPU {} for {} s", gpu, duration_s);
  TS_CHECK(label.name >= 0 && label.name < static_cast<int>(names_.size()), "name id {}", label.name);
  TS_CHECK(label.tag >= 0, "tag {}", label.tag);
  activities_.push_back({Stream::kCompute, false, gpu, gpu, duration_s, 0, 0, label, 0, {}});
  return size() - 1;
}

int ActivityGraph::add_flow(int src_gpu, int dst_gpu, double bytes, ActivityLabel label, bool comm_kernel,
                            double delay_s) {
  TS_CHECK(src_gpu >= 0 && dst_gpu >= 0 && src_gpu != dst_gpu && bytes >= 0 && delay_s >= 0,
           "flow of {} B from GPU {} to {} after {} s", bytes, src_gpu, dst_gpu, delay_s);
  TS_CHECK(label.name >= 0 && label.name < static_cast<int>(names_.size()), "name id {}", label.name);
  TS_CHECK(label.tag >= 0, "tag {}", label.tag);
  activities_.push_back({Stream::kComm, comm_kernel, src_gpu, dst_gpu, 0, bytes, delay_s, label, 0, {}});
  return size() - 1;
}

void ActivityGraph::add_dependency(int before, int after) {
  TS_CHECK(before >= 0 && before < size() && after >= 0 && after < size() && before != after,
           "dependency {} -> {} among {} activities", before, after, size());
  activities_[before].successors.push_back(after);
  ++activities_[after].predecessors;
}

void ActivityGraph::name_rank(int rank, std::string name) {
  TS_CHECK(rank >= 0, "rank {}", rank);
  if (rank >= static_cast<int>(rank_names_.size())) rank_names_.resize(static_cast<std::size_t>(rank) + 1);
  rank_names_[rank] = std::move(name);
}

void ActivityGraph::name_tag(int tag, std::string name) {
  TS_CHECK(tag >= 0, "tag {}", tag);
  if (tag >= static_cast<int>(tag_names_.size())) tag_names_.resize(static_cast<std::size_t>(tag) + 1);
  tag_names_[tag] = std::move(name);
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

std::vector<std::pair<int, int>> ActivityGraph::flow_pairs() const {
  std::vector<std::pair<int, int>> out;
  for (const Activity& a : activities_)
    if (a.stream == Stream::kComm) out.emplace_back(a.gpu, a.dst_gpu);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace trainsim::sim
