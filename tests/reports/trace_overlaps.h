// The property Perfetto needs of a Chrome trace: no two complete ("X") slices of one thread overlap. A checker
// for every trace the tool writes; it streams the JSON (a gpu-fidelity trace is hundreds of megabytes).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace trainsim::testing {

struct TraceOverlap {
  long long pid = 0;
  long long tid = 0;
  std::string earlier;  // the slice still open ...
  std::string later;    // ... when this one starts
  std::int64_t earlier_end_ns = 0;
  std::int64_t later_start_ns = 0;
};

struct TraceCheck {
  std::int64_t slices = 0;
  std::vector<TraceOverlap> overlaps;  // the first few (at most 10), for the failure message
  std::int64_t overlap_count = 0;
  std::string error;  // not a trace: the parse error
};

// Slices [ts, ts + dur) in whole nanoseconds (ts and dur are microseconds); two slices of one (pid, tid)
// overlap when one starts before the other ends. Nesting counts as overlap too: trainsim never nests slices.
TraceCheck check_trace_overlaps(const std::string& trace_json);

std::string describe(const TraceCheck& check);  // "12 of 3400 slices overlap; first: pid 3 tid 1 ..."

}  // namespace trainsim::testing
