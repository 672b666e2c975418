// The small PyTorch-profiler (Kineto) trace made for the trace tests: data/small_kineto_trace.json, its sums
// worked by hand in trace_summary_test.cc.
#pragma once
#include <string>

namespace trainsim::hw {

inline const std::string kSmallKinetoTrace =
    std::string(TRAINSIM_SOURCE_DIR) + "/tests/hardware/data/small_kineto_trace.json";

}  // namespace trainsim::hw
