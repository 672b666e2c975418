// Chrome trace of an engine timeline (timeline_trace.h); format: "Trace Event Format", Google, 2016.
#include "reports/timeline_trace.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "reports/trace_tracks.h"

namespace trainsim::reports {
namespace {

constexpr int kStreams = 2;
int stream_index(sim::Stream stream) { return stream == sim::Stream::kCompute ? 0 : 1; }

// Lane k of a stream is thread k * 2 + stream: compute keeps thread 0 and comm thread 1, as the first lanes.
int thread_of(sim::Stream stream, int lane) { return lane * kStreams + stream_index(stream); }

// A JSON string literal (names are ours, but escape anyway).
std::string quoted(const std::string& text) { return nlohmann::json(text).dump(); }

// The lane of every event within its (rank, stream), and the number of lanes each (rank, stream) needs.
struct Lanes {
  std::vector<int> of_event;
  std::map<std::pair<int, int>, int> count;  // (rank, stream index) -> lanes
};

Lanes lay_out(const sim::Timeline& timeline, const std::vector<NanosecondSpan>& spans) {
  std::map<std::pair<int, int>, std::vector<std::size_t>> groups;
  for (std::size_t i = 0; i < timeline.events.size(); ++i)
    groups[{timeline.events[i].rank, stream_index(timeline.events[i].stream)}].push_back(i);
  Lanes lanes;
  lanes.of_event.assign(timeline.events.size(), 0);
  for (const auto& [key, members] : groups) {
    std::vector<NanosecondSpan> group_spans;
    group_spans.reserve(members.size());
    for (std::size_t i : members) group_spans.push_back(spans[i]);
    const std::vector<int> assigned = assign_lanes(group_spans);
    int count = 0;
    for (std::size_t k = 0; k < members.size(); ++k) {
      lanes.of_event[members[k]] = assigned[k];
      count = std::max(count, assigned[k] + 1);
    }
    lanes.count[key] = count;
  }
  return lanes;
}

std::string lane_name(sim::Stream stream, int lane) {
  const std::string stream_text(sim::stream_name(stream));
  return lane == 0 ? stream_text : fmt::format("{} {}", stream_text, lane + 1);
}

}  // namespace

std::string timeline_trace_json(const sim::Timeline& timeline) {
  std::vector<NanosecondSpan> spans;
  spans.reserve(timeline.events.size());
  for (const sim::TimelineEvent& e : timeline.events) spans.push_back({to_nanoseconds(e.start_s), to_nanoseconds(e.end_s)});
  const Lanes lanes = lay_out(timeline, spans);

  fmt::memory_buffer out;
  fmt::format_to(std::back_inserter(out), "{{\"displayTimeUnit\": \"ms\", \"traceEvents\": [");
  bool first = true;
  auto open = [&] {
    fmt::format_to(std::back_inserter(out), "{}\n", first ? "" : ",");
    first = false;
  };
  std::set<int> ranks;
  for (const sim::TimelineEvent& e : timeline.events) ranks.insert(e.rank);
  for (int r : ranks) {
    open();
    fmt::format_to(std::back_inserter(out),
                   R"({{"name": "process_name", "ph": "M", "pid": {}, "tid": 0, "args": {{"name": {}}}}})", r,
                   quoted(timeline.rank_name(r)));
    open();
    fmt::format_to(std::back_inserter(out),
                   R"({{"name": "process_sort_index", "ph": "M", "pid": {}, "tid": 0, "args": {{"sort_index": {}}}}})",
                   r, r);
    for (sim::Stream s : {sim::Stream::kCompute, sim::Stream::kComm}) {
      const auto found = lanes.count.find({r, stream_index(s)});
      const int lane_count = std::max(1, found == lanes.count.end() ? 0 : found->second);
      for (int lane = 0; lane < lane_count; ++lane) {
        const int thread = thread_of(s, lane);
        open();
        fmt::format_to(std::back_inserter(out),
                       R"({{"name": "thread_name", "ph": "M", "pid": {}, "tid": {}, "args": {{"name": {}}}}})", r,
                       thread, quoted(lane_name(s, lane)));
        // Compute lanes above comm lanes, each stream's lanes in order.
        open();
        fmt::format_to(std::back_inserter(out),
                       R"({{"name": "thread_sort_index", "ph": "M", "pid": {}, "tid": {}, "args": {{"sort_index": {}}}}})",
                       r, thread, stream_index(s) * 1'000'000 + lane);
      }
    }
  }
  std::vector<std::string> names;
  names.reserve(timeline.names.size());
  for (const std::string& n : timeline.names) names.push_back(quoted(n));
  int tag_count = 0;
  for (const sim::TimelineEvent& e : timeline.events) tag_count = std::max(tag_count, e.tag + 1);
  std::vector<std::string> tags;
  for (int t = 0; t < tag_count; ++t) tags.push_back(quoted(timeline.tag_name(t)));
  for (std::size_t i = 0; i < timeline.events.size(); ++i) {
    const sim::TimelineEvent& e = timeline.events[i];
    open();
    fmt::format_to(std::back_inserter(out),
                   R"({{"name": {}, "cat": {}, "ph": "X", "pid": {}, "tid": {}, "ts": {}, "dur": {}, )"
                   R"("args": {{"microbatch": {}}}}})",
                   names[static_cast<std::size_t>(e.name)], tags[static_cast<std::size_t>(e.tag)], e.rank,
                   thread_of(e.stream, lanes.of_event[i]), microseconds_text(spans[i].start_ns),
                   microseconds_text(spans[i].end_ns - spans[i].start_ns), e.microbatch);
  }
  fmt::format_to(std::back_inserter(out), "\n]}}\n");
  return fmt::to_string(out);
}

}  // namespace trainsim::reports
