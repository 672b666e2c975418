// The report of `trainsim calibrate --from-trace`: a profiled trace's kernel time by op kind and pass, by the
// block annotation that launched it, and the kernels it could not place, as text or JSON.
#pragma once
#include <string>

#include "hardware/trace_summary.h"

namespace trainsim::reports {

std::string format_trace_summary_text(const hw::TraceSummary& summary);
std::string format_trace_summary_json(const hw::TraceSummary& summary);

}  // namespace trainsim::reports
