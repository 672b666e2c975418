// A Chrome trace (JSON Trace Event Format; opens in Perfetto) of an engine Timeline: one process per rank
// (GPU of the simulated slice), its compute and communication streams as two threads, one event per op.
#pragma once
#include <string>

#include "sim/timeline.h"

namespace trainsim::reports {

// {"displayTimeUnit": "ms", "traceEvents": [...]}: process_name "rank r" and thread_name "compute" / "comm"
// metadata for every rank that has events, then per event an "X" event with its name, cat = its stream,
// ts and dur in microseconds and args {microbatch, start_s, end_s}. Deterministic: timeline order.
std::string timeline_trace_json(const sim::Timeline& timeline);

}  // namespace trainsim::reports
