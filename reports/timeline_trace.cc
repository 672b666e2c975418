// Chrome trace of an engine timeline (timeline_trace.h); format: "Trace Event Format", Google, 2016.
#include "reports/timeline_trace.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

namespace trainsim::reports {
namespace {

int thread_of(sim::Stream stream) { return stream == sim::Stream::kCompute ? 0 : 1; }

// A JSON string literal (names are ours, but escape anyway).
std::string quoted(const std::string& text) { return nlohmann::json(text).dump(); }

}  // namespace

std::string timeline_trace_json(const sim::Timeline& timeline) {
  constexpr double kMicrosecondsPerSecond = 1e6;
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
      open();
      fmt::format_to(std::back_inserter(out),
                     R"({{"name": "thread_name", "ph": "M", "pid": {}, "tid": {}, "args": {{"name": "{}"}}}})", r,
                     thread_of(s), sim::stream_name(s));
    }
  }
  std::vector<std::string> names;
  names.reserve(timeline.names.size());
  for (const std::string& n : timeline.names) names.push_back(quoted(n));
  int tag_count = 0;
  for (const sim::TimelineEvent& e : timeline.events) tag_count = std::max(tag_count, e.tag + 1);
  std::vector<std::string> tags;
  for (int t = 0; t < tag_count; ++t) tags.push_back(quoted(timeline.tag_name(t)));
  for (const sim::TimelineEvent& e : timeline.events) {
    open();
    fmt::format_to(std::back_inserter(out),
                   R"({{"name": {}, "cat": {}, "ph": "X", "pid": {}, "tid": {}, "ts": {:.3f}, "dur": {:.3f}, )"
                   R"("args": {{"microbatch": {}}}}})",
                   names[static_cast<std::size_t>(e.name)], tags[static_cast<std::size_t>(e.tag)], e.rank, thread_of(e.stream),
                   e.start_s * kMicrosecondsPerSecond, (e.end_s - e.start_s) * kMicrosecondsPerSecond, e.microbatch);
  }
  fmt::format_to(std::back_inserter(out), "\n]}}\n");
  return fmt::to_string(out);
}

}  // namespace trainsim::reports
