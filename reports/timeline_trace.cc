// Chrome trace of an engine timeline (timeline_trace.h); format: "Trace Event Format", Google, 2016.
#include "reports/timeline_trace.h"

#include <nlohmann/json.hpp>
#include <set>

namespace trainsim::reports {

std::string timeline_trace_json(const sim::Timeline& timeline) {
  constexpr double kMicrosecondsPerSecond = 1e6;
  const auto tid = [](sim::Stream stream) { return stream == sim::Stream::kCompute ? 0 : 1; };
  nlohmann::ordered_json events = nlohmann::ordered_json::array();
  std::set<int> ranks;
  for (const sim::TimelineEvent& e : timeline.events) ranks.insert(e.rank);
  for (int r : ranks) {
    events.push_back({{"name", "process_name"}, {"ph", "M"}, {"pid", r}, {"tid", 0},
                      {"args", {{"name", "rank " + std::to_string(r)}}}});
    events.push_back({{"name", "process_sort_index"}, {"ph", "M"}, {"pid", r}, {"tid", 0},
                      {"args", {{"sort_index", r}}}});
    for (sim::Stream s : {sim::Stream::kCompute, sim::Stream::kComm})
      events.push_back({{"name", "thread_name"}, {"ph", "M"}, {"pid", r}, {"tid", tid(s)},
                        {"args", {{"name", std::string(sim::stream_name(s))}}}});
  }
  for (const sim::TimelineEvent& e : timeline.events) {
    events.push_back({{"name", e.name},
                      {"cat", std::string(sim::stream_name(e.stream))},
                      {"ph", "X"},
                      {"pid", e.rank},
                      {"tid", tid(e.stream)},
                      {"ts", e.start_s * kMicrosecondsPerSecond},
                      {"dur", (e.end_s - e.start_s) * kMicrosecondsPerSecond},
                      {"args", {{"microbatch", e.microbatch}, {"start_s", e.start_s}, {"end_s", e.end_s}}}});
  }
  nlohmann::ordered_json trace = {{"displayTimeUnit", "ms"}, {"traceEvents", events}};
  return trace.dump(1) + "\n";
}

}  // namespace trainsim::reports
