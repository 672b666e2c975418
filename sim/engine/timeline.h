// Timeline: what the event engine ran, as plain records (every op: rank, stream, tag, name, micro-batch,
// start, end) and the makespan. Metrics and the trace writer read it; nothing here knows SimGrid. Names are
// interned (a step at gpu fidelity has millions of events and a few hundred distinct names). The tag says
// what an op is in the words of whoever built the graph: the engine carries it and knows no meaning of it.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace trainsim::sim {

enum class Stream { kCompute, kComm };

std::string_view stream_name(Stream stream);  // "compute", "comm"

struct TimelineEvent {
  int rank = 0;  // the rank (GPU of the slice) that runs it; a flow counts on its sender
  Stream stream = Stream::kCompute;
  int tag = 0;          // the builder's; named by Timeline::tag_names where the builder named it
  int name = 0;         // index into Timeline::names
  int microbatch = -1;  // -1 when it belongs to none
  double start_s = 0;
  double end_s = 0;
};

struct Timeline {
  std::vector<std::string> names;       // by TimelineEvent::name
  std::vector<std::string> rank_names;  // by rank: "stage 3 (GPU 384)"; "rank r" where none was given
  std::vector<std::string> tag_names;   // by tag: "attention", "ep", ...; "tag t" where none was given
  std::vector<TimelineEvent> events;    // in the order of the activities that produced them
  double makespan_s = 0;                // the latest end

  const std::string& name_of(const TimelineEvent& e) const { return names[static_cast<std::size_t>(e.name)]; }
  std::string rank_name(int rank) const;
  std::string tag_name(int tag) const;
};

}  // namespace trainsim::sim
