// Timeline: what the event engine ran, as plain records (every op: rank, stream, name, micro-batch, start,
// end) and the makespan. Metrics and the trace writer read it; nothing here knows SimGrid. Names are
// interned (a step at gpu fidelity has millions of events and a few hundred distinct names).
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace trainsim::sim {

enum class Stream { kCompute, kComm };

std::string_view stream_name(Stream stream);  // "compute", "comm"

// What an op does, for the metrics: compute by op group, communication by purpose.
enum class WorkKind {
  kChunk,      // a whole pipeline chunk (chunk-level graphs)
  kAttention,  // the attention half of a layer: norms, projections, attention core
  kRouter,     // norm, gate and top-k ahead of the dispatch
  kExperts,    // permute, routed and shared experts, combine sum
  kMlp,        // a dense layer's MLP
  kOther,      // embedding, output head and loss, MTP projections
  kOptimizer,  // the optimizer step
  kEp,         // EP dispatch and combine
  kTp,         // TP collectives
  kPp,         // activations and their gradients between pipeline stages
  kDp,         // ZeRO / data-parallel gradient and parameter collectives
};

std::string_view work_kind_name(WorkKind kind);  // "attention", ..., "ep", "tp", "pp", "dp"
inline bool is_communication(WorkKind kind) { return kind >= WorkKind::kEp; }

struct TimelineEvent {
  int rank = 0;  // the rank (GPU of the slice) that runs it; a flow counts on its sender
  Stream stream = Stream::kCompute;
  WorkKind kind = WorkKind::kChunk;
  int name = 0;         // index into Timeline::names
  int microbatch = -1;  // -1 when it belongs to none
  double start_s = 0;
  double end_s = 0;
};

struct Timeline {
  std::vector<std::string> names;       // by TimelineEvent::name
  std::vector<std::string> rank_names;  // by rank: "stage 3 (GPU 384)"; "rank r" where none was given
  std::vector<TimelineEvent> events;    // in the order of the activities that produced them
  double makespan_s = 0;                // the latest end

  const std::string& name_of(const TimelineEvent& e) const { return names[static_cast<std::size_t>(e.name)]; }
  std::string rank_name(int rank) const;
};

}  // namespace trainsim::sim
