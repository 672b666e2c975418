// The report of `trainsim calibrate --from-trace T --scenario S -o FILE`: the group points written, by block,
// pass and family, the kernels in no group point and the catalog ops no kernel ran (hardware/trace_calibration.h).
#pragma once
#include <string>

#include "hardware/trace_calibration.h"

namespace trainsim::reports {

std::string format_trace_calibration_text(const hw::TraceCalibration& calibration, const std::string& written_to);

}  // namespace trainsim::reports
