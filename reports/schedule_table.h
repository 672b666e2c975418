// The side-by-side comparison of pipeline schedules that `trainsim schedule` prints: a terminal table and its
// JSON form (per schedule: kind, pp, microbatches, makespan, bubble, bubble_ratio, peak_activations,
// parameter_copies, and with the order the per-rank op lists in the notation of dualpipe-p8-n20.txt).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "sim/schedules/schedule_comparison.h"
#include "sim/step/step_estimate.h"

namespace trainsim::reports {

struct ScheduleTableInput {
  std::vector<sim::ScheduleComparison> rows;
  std::vector<sim::ChunkTimes> stage_times;  // one entry or one per stage
  double p2p_latency_s = 0;
  std::string times_source = "command line";  // where the chunk times came from (a scenario file, later)
  // With a scenario: each row's peak memory per GPU (parallel to rows; empty: no scenario, or the kind does
  // not run). Rows that do not fit are marked.
  std::vector<std::optional<sim::MemoryEstimate>> memory;
};

// A fixed-width table, one line per schedule, with a header naming the request and the chunk times and a
// footer defining the bubble and marking estimates. Deterministic.
std::string schedule_table_text(const ScheduleTableInput& input);

// {"pp", "microbatches", "chunk_times", "p2p_latency_s", "bubble_definition", "schedules": [...]}, two-space
// indented. with_order adds "order": one array of op names per rank.
std::string schedule_table_json(const ScheduleTableInput& input, bool with_order);

}  // namespace trainsim::reports
