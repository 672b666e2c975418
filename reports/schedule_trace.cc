// Chrome trace of an executed schedule (schedule_trace.h); format: "Trace Event Format", Google, 2016.
#include "reports/schedule_trace.h"

#include <nlohmann/json.hpp>

namespace trainsim::reports {

std::string schedule_trace_json(const sim::PipelineSchedule& schedule, const sim::ScheduleRun& run) {
  constexpr double kMicrosecondsPerSecond = 1e6;
  nlohmann::ordered_json events = nlohmann::ordered_json::array();
  events.push_back({{"name", "process_name"}, {"ph", "M"}, {"pid", 0}, {"tid", 0},
                    {"args", {{"name", std::string(sim::schedule_name(schedule.kind())) + " pipeline"}}}});
  for (int r = 0; r < schedule.ranks(); ++r) {
    events.push_back({{"name", "thread_name"}, {"ph", "M"}, {"pid", 0}, {"tid", r},
                      {"args", {{"name", "rank " + std::to_string(r)}}}});
    events.push_back({{"name", "thread_sort_index"}, {"ph", "M"}, {"pid", 0}, {"tid", r},
                      {"args", {{"sort_index", r}}}});
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
      events.push_back({{"name", sim::format_op(op, schedule.lanes())},
                        {"cat", sim::phase_name(op.phase)},
                        {"ph", "X"},
                        {"pid", 0},
                        {"tid", r},
                        {"ts", t.start_s * kMicrosecondsPerSecond},
                        {"dur", (t.end_s - t.start_s) * kMicrosecondsPerSecond},
                        {"args", args}});
    }
  }
  nlohmann::ordered_json trace = {{"displayTimeUnit", "ms"}, {"traceEvents", events}};
  return trace.dump(1) + "\n";
}

}  // namespace trainsim::reports
