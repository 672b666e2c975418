// Chrome trace of an executed schedule (schedule_trace.h); format: "Trace Event Format", Google, 2016.
#include "reports/schedule_trace.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "reports/trace_tracks.h"

namespace trainsim::reports {
namespace {

// A timestamp in microseconds from whole nanoseconds: its shortest decimal has at most three decimals, so a
// reader that parses the text exactly (Perfetto does) gets the nanoseconds back.
double microseconds(std::int64_t nanoseconds) { return static_cast<double>(nanoseconds) / 1e3; }

}  // namespace

std::string schedule_trace_json(const sim::PipelineSchedule& schedule, const sim::ScheduleRun& run) {
  // A rank runs its ops one at a time, so each rank is one lane; ops that the run overlapped (it should not)
  // would go to a second lane, thread ranks + r, rather than be dropped by the viewer.
  std::vector<std::vector<NanosecondSpan>> spans(static_cast<std::size_t>(schedule.ranks()));
  std::vector<std::vector<int>> lanes(spans.size());
  int lane_count = 1;
  for (int r = 0; r < schedule.ranks(); ++r) {
    for (const sim::OpTiming& t : run.timings[r]) spans[r].push_back({to_nanoseconds(t.start_s), to_nanoseconds(t.end_s)});
    lanes[r] = assign_lanes(spans[r]);
    for (int lane : lanes[r]) lane_count = std::max(lane_count, lane + 1);
  }
  nlohmann::ordered_json events = nlohmann::ordered_json::array();
  events.push_back({{"name", "process_name"}, {"ph", "M"}, {"pid", 0}, {"tid", 0},
                    {"args", {{"name", std::string(sim::schedule_name(schedule.kind())) + " pipeline"}}}});
  for (int lane = 0; lane < lane_count; ++lane) {
    for (int r = 0; r < schedule.ranks(); ++r) {
      const int thread = lane * schedule.ranks() + r;
      const std::string name = lane == 0 ? fmt::format("rank {}", r) : fmt::format("rank {} ({})", r, lane + 1);
      events.push_back({{"name", "thread_name"}, {"ph", "M"}, {"pid", 0}, {"tid", thread}, {"args", {{"name", name}}}});
      events.push_back({{"name", "thread_sort_index"}, {"ph", "M"}, {"pid", 0}, {"tid", thread},
                        {"args", {{"sort_index", r * lane_count + lane}}}});
    }
  }
  for (int r = 0; r < schedule.ranks(); ++r) {
    for (std::size_t i = 0; i < schedule.ops(r).size(); ++i) {
      const sim::ScheduleOp& op = schedule.ops(r)[i];
      const sim::OpTiming& t = run.timings[r][i];
      nlohmann::ordered_json args = {{"rank", r},
                                     {"index", i},
                                     {"microbatch", op.chunk.microbatch},
                                     {"lane", op.chunk.lane},
                                     {"stage", schedule.stage_of({r, op.chunk.lane})},
                                     {"start_s", t.start_s},
                                     {"end_s", t.end_s}};
      if (op.phase == sim::Phase::kForwardBackward) {
        args["backward_microbatch"] = op.backward.microbatch;
        args["backward_lane"] = op.backward.lane;
        args["backward_stage"] = schedule.stage_of({r, op.backward.lane});
      }
      const NanosecondSpan& span = spans[r][i];
      events.push_back({{"name", sim::format_op(op, schedule.lanes())},
                        {"cat", sim::phase_name(op.phase)},
                        {"ph", "X"},
                        {"pid", 0},
                        {"tid", lanes[r][i] * schedule.ranks() + r},
                        {"ts", microseconds(span.start_ns)},
                        {"dur", microseconds(span.end_ns - span.start_ns)},
                        {"args", args}});
    }
  }
  nlohmann::ordered_json trace = {{"displayTimeUnit", "ms"}, {"traceEvents", events}};
  return trace.dump(1) + "\n";
}

}  // namespace trainsim::reports
