// ActivityGraph building (see activity_graph.h) and the names of the timeline's streams, ranks and tags.
#include "sim/engine/activity_graph.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <unordered_set>

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

// NOTE: a step at gpu fidelity has millions of activities over a few thousand GPUs and pairs: the distinct ones
// are gathered first and only they are sorted (sorting every activity's took a second of the default step).
std::vector<int> ActivityGraph::gpus() const {
  std::vector<bool> used;
  auto mark = [&used](int gpu) {
    if (gpu >= static_cast<int>(used.size())) used.resize(static_cast<std::size_t>(gpu) + 1, false);
    used[static_cast<std::size_t>(gpu)] = true;
  };
  for (const Activity& a : activities_) {
    mark(a.gpu);
    if (a.stream == Stream::kComm) mark(a.dst_gpu);
  }
  std::vector<int> out;
  for (std::size_t gpu = 0; gpu < used.size(); ++gpu)
    if (used[gpu]) out.push_back(static_cast<int>(gpu));
  return out;
}

std::vector<std::pair<int, int>> ActivityGraph::flow_pairs() const {
  std::unordered_set<std::uint64_t> distinct;
  for (const Activity& a : activities_)
    if (a.stream == Stream::kComm)
      distinct.insert(static_cast<std::uint64_t>(a.gpu) << 32 | static_cast<std::uint32_t>(a.dst_gpu));
  std::vector<std::pair<int, int>> out;
  out.reserve(distinct.size());
  for (std::uint64_t key : distinct) out.emplace_back(static_cast<int>(key >> 32), static_cast<int>(key & 0xffffffffu));
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace trainsim::sim
