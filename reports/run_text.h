// The words and number formats a run's reports share (the terminal summary and the report page), so that the two
// say the same figure the same way: seconds, GiB, large counts, a bubble's definition, what bounds communication,
// and each phase of the run summed from its segments.
#pragma once
#include <string>
#include <vector>

#include "reports/run_report.h"

namespace trainsim::reports {

std::string seconds_text(double s);     // "1.234 s", or "12.3 ms" under a second
std::string percent_text(double fraction);  // "48.0%" for 0.48
std::string gib_text(double bytes);     // "12.3 GiB"
std::string count_text(double value);   // "671.03B", "14.80T", "2.26M", "4.1K", "12"

// "executed" of "executed: idle time of ...": the word a bubble's definition starts with.
std::string bubble_definition_word(const std::string& definition);

// "NIC-bound", "NVLink-bound", "latency-bound" or "no traffic": what bounds `kind`'s transfers in the step.
std::string comm_bound_text(const sim::StepEstimate& step, const std::string& kind);

// What a faster link would and would not change for the largest exposed communication ("exposed ep communication
// is bound by the NICs (50 GB/s each): a faster NVLink does not shorten it"); empty when nothing is exposed.
std::string comm_bound_sentence(const RunReport& report);

// One phase of the run: its segments (the batch ramp's) summed; sequence_length 0 for GPU-hours given.
struct PhaseRow {
  std::string phase;
  int sequence_length = 0;
  int batch_min = 0, batch_max = 0;  // sequences; the ramp's range
  double steps = 0;
  double mean_step_time_s = 0;
  double gpu_hours = 0;
  double energy_mwh = 0;  // at the facility (cost/energy_estimate.h)
  double cost_usd = 0;
};
std::vector<PhaseRow> phase_rows(const sim::RunEstimate& run);

}  // namespace trainsim::reports
