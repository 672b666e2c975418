// A Chrome trace (JSON Trace Event Format; opens in Perfetto) of an engine Timeline: one process per rank
// (GPU of the simulated slice), its compute and communication streams as threads, one event per op; a stream
// whose ops overlap in time (concurrent flows) gets one thread per lane, so no two slices of a thread overlap.
#pragma once
#include <string>

#include "sim/engine/timeline.h"

namespace trainsim::reports {

// {"displayTimeUnit": "ms", "traceEvents": [...]}: process_name (the timeline's rank name), and thread_name
// ("compute", "comm", then "compute 2", "comm 2", ... for further lanes) and thread_sort_index metadata for
// every rank that has events; then per event an "X" event with its name, cat = its tag's name ("attention",
// "ep", ...), ts and dur in microseconds written from whole nanoseconds (trace_tracks.h) and args
// {microbatch}. Lane k of a stream is thread 2k (compute) or 2k + 1 (comm). Written with fmt rather than a JSON tree: a gpu-fidelity step has millions of events.
// Deterministic: timeline order, fixed number formats.
std::string timeline_trace_json(const sim::Timeline& timeline);

}  // namespace trainsim::reports
