// A Chrome trace (JSON Trace Event Format; opens in Perfetto) of an engine Timeline: one process per rank
// (GPU of the simulated slice), its compute and communication streams as two threads, one event per op.
#pragma once
#include <string>

#include "sim/engine/timeline.h"

namespace trainsim::reports {

// {"displayTimeUnit": "ms", "traceEvents": [...]}: process_name (the timeline's rank name) and thread_name
// "compute" / "comm" metadata for every rank that has events, then per event an "X" event with its name,
// cat = its tag's name ("attention", "ep", ...), ts and dur in microseconds (to the nanosecond) and args
// {microbatch}. Written with fmt rather than a JSON tree: a gpu-fidelity step has millions of events.
// Deterministic: timeline order, fixed number formats.
std::string timeline_trace_json(const sim::Timeline& timeline);

}  // namespace trainsim::reports
