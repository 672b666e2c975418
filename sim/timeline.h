// Timeline: what the event engine ran, as plain records (every op: rank, stream, name, micro-batch, start,
// end) and the makespan. Metrics and the trace writer read it; nothing here knows SimGrid.
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
  std::string name;
  int microbatch = -1;  // -1 when it belongs to none
  double start_s = 0;
  double end_s = 0;
};

struct Timeline {
  std::vector<TimelineEvent> events;  // in the order of the activities that produced them
  double makespan_s = 0;              // the latest end
};

}  // namespace trainsim::sim
