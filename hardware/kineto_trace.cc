// Reading a Kineto Chrome trace. Kineto writes complete events (ph "X") with ts and dur in microseconds; a
// GPU activity (cat kernel, gpu_memcpy, gpu_memset) carries args.correlation, the id of the CPU-side launch
// (cat cuda_runtime or cuda_driver, same args.correlation). The launch sits inside the cpu_op and
// user_annotation events of its thread; that nesting tells which op and which block launched the kernel.
#include "hardware/kineto_trace.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "core/read_file.h"
#include "core/error.h"
#include "core/line_column.h"

namespace trainsim::hw {
namespace {

using nlohmann::json;

// Where in the file a value sits, for errors: "traceEvents[12].args.grid".
[[noreturn]] void malformed_trace(const std::string& source, const std::string& path, const std::string& problem,
                            const std::string& expected) {
  throw ConfigError(SourceLocation{source, 0, 0, path}, problem, expected,
                    "is this a PyTorch-profiler (Kineto) trace? torch.profiler's export_chrome_trace writes one");
}


double number_at(const json& object, const char* key, const std::string& source, const std::string& path) {
  auto it = object.find(key);
  if (it == object.end()) malformed_trace(source, path + "." + key, "is missing", "a number");
  if (!it->is_number()) malformed_trace(source, path + "." + key, fmt::format("is {}", it->dump()), "a number");
  return it->get<double>();
}

std::string string_at(const json& object, const char* key, const std::string& source, const std::string& path) {
  auto it = object.find(key);
  if (it == object.end()) malformed_trace(source, path + "." + key, "is missing", "a string");
  if (!it->is_string()) malformed_trace(source, path + "." + key, fmt::format("is {}", it->dump()), "a string");
  return it->get<std::string>();
}

std::array<int, 3> dims_at(const json& args, const char* key, const std::string& source, const std::string& path) {
  std::array<int, 3> dims{0, 0, 0};
  auto it = args.find(key);
  if (it == args.end()) return dims;
  const std::string where = path + ".args." + key;
  if (!it->is_array() || it->size() != 3) malformed_trace(source, where, fmt::format("is {}", it->dump()), "[x, y, z]");
  for (int i = 0; i < 3; ++i) {
    if (!(*it)[i].is_number_integer()) malformed_trace(source, where, fmt::format("is {}", it->dump()), "three integers");
    dims[i] = (*it)[i].get<int>();
  }
  return dims;
}

// Kineto writes pid and tid as integers for real threads and streams, as strings for its own rows ("Spans").
long long thread_id(const json& event) {
  auto it = event.find("tid");
  return it != event.end() && it->is_number_integer() ? it->get<long long>() : -1;
}
long long process_id(const json& event) {
  auto it = event.find("pid");
  return it != event.end() && it->is_number_integer() ? it->get<long long>() : -1;
}

struct CpuSpan {
  std::string name;
  double start_us = 0, end_us = 0;
  std::string input_dims;
  int id = -1;  // annotations: the index into KinetoTrace::annotations
};

struct Launch {
  long long pid = 0, tid = 0;
  double ts_us = 0;
};

KinetoDevice read_device(const json& d, const std::string& source, const std::string& path) {
  if (!d.is_object()) malformed_trace(source, path, fmt::format("is {}", d.dump()), "an object");
  KinetoDevice device;
  device.id = static_cast<int>(number_at(d, "id", source, path));
  device.name = string_at(d, "name", source, path);
  device.sm_count = static_cast<int>(number_at(d, "numSms", source, path));
  if (d.contains("computeMajor")) device.compute_major = static_cast<int>(number_at(d, "computeMajor", source, path));
  if (d.contains("computeMinor")) device.compute_minor = static_cast<int>(number_at(d, "computeMinor", source, path));
  if (d.contains("totalGlobalMem")) device.memory_bytes = number_at(d, "totalGlobalMem", source, path);
  // cudaDeviceProp::clockRate is in kHz.
  if (d.contains("clockRate")) device.clock_hz = number_at(d, "clockRate", source, path) * 1e3;
  return device;
}

// The spans of one thread enclosing each of `times_us` (sorted), outermost first: a sweep with a stack,
// relying on the profiler's proper nesting of the events of one thread.
template <typename Visit>
void sweep_enclosing(std::vector<CpuSpan>& spans, const std::vector<std::pair<double, size_t>>& times_us, Visit visit) {
  std::sort(spans.begin(), spans.end(), [](const CpuSpan& a, const CpuSpan& b) {
    return a.start_us != b.start_us ? a.start_us < b.start_us : a.end_us > b.end_us;
  });
  std::vector<const CpuSpan*> stack;
  size_t next = 0;
  for (const auto& [t, index] : times_us) {
    while (next < spans.size() && spans[next].start_us <= t) {
      while (!stack.empty() && stack.back()->end_us < spans[next].start_us) stack.pop_back();
      stack.push_back(&spans[next++]);
    }
    while (!stack.empty() && stack.back()->end_us < t) stack.pop_back();
    visit(index, stack);
  }
}

}  // namespace

KinetoTrace parse_kineto_trace(std::string_view json_text, const std::string& source) {
  json root;
  try {
    root = json::parse(json_text);
  } catch (const json::parse_error& e) {
    auto [line, column] = line_column(json_text, e.byte > 0 ? e.byte - 1 : 0);
    throw ConfigError(SourceLocation{source, line, column, ""}, "not valid JSON", "a Kineto Chrome trace");
  }
  if (!root.is_object()) malformed_trace(source, "", "is not a JSON object", "an object with traceEvents");
  auto events_it = root.find("traceEvents");
  if (events_it == root.end()) malformed_trace(source, "traceEvents", "is missing", "an array of trace events");
  if (!events_it->is_array()) malformed_trace(source, "traceEvents", "is not an array", "an array of trace events");

  KinetoTrace trace;
  trace.source = source;
  if (auto it = root.find("traceName"); it != root.end() && it->is_string()) trace.trace_name = it->get<std::string>();
  if (auto it = root.find("deviceProperties"); it != root.end()) {
    if (!it->is_array()) malformed_trace(source, "deviceProperties", "is not an array", "an array of devices");
    for (size_t i = 0; i < it->size(); ++i)
      trace.devices.push_back(read_device((*it)[i], source, fmt::format("deviceProperties[{}]", i)));
  }

  // Times stay in microseconds from the earliest event until the end, so that 1.7e15-us epochs keep their
  // digits when made relative.
  const json& events = *events_it;
  std::map<std::pair<long long, long long>, std::vector<CpuSpan>> ops_by_thread, annotations_by_thread;
  std::unordered_map<long long, Launch> launches;
  double earliest_us = INFINITY;
  for (size_t i = 0; i < events.size(); ++i) {
    const json& e = events[i];
    const std::string path = fmt::format("traceEvents[{}]", i);
    if (!e.is_object()) malformed_trace(source, path, fmt::format("is {}", e.dump()), "an object");
    auto ph = e.find("ph");
    auto cat = e.find("cat");
    if (ph == e.end() || !ph->is_string() || *ph != "X" || cat == e.end() || !cat->is_string()) continue;
    const std::string category = cat->get<std::string>();
    const bool gpu = category == "kernel" || category == "gpu_memcpy" || category == "gpu_memset";
    const bool launch = category == "cuda_runtime" || category == "cuda_driver";
    const bool cpu = category == "cpu_op" || category == "user_annotation";
    if (!gpu && !launch && !cpu) continue;
    const double ts_us = number_at(e, "ts", source, path);
    const double dur_us = number_at(e, "dur", source, path);
    if (dur_us < 0) malformed_trace(source, path + ".dur", fmt::format("is {}", dur_us), "a duration >= 0");
    earliest_us = std::min(earliest_us, ts_us);
    const json empty = json::object();
    const json& args = e.contains("args") ? e["args"] : empty;
    if (!args.is_object()) malformed_trace(source, path + ".args", "is not an object", "an object");
    if (gpu) {
      GpuKernel k;
      k.name = string_at(e, "name", source, path);
      k.category = category;
      k.device = args.contains("device") ? static_cast<int>(number_at(args, "device", source, path + ".args"))
                                         : static_cast<int>(process_id(e));
      k.stream = args.contains("stream") ? static_cast<long long>(number_at(args, "stream", source, path + ".args"))
                                         : thread_id(e);
      k.start_s = ts_us;  // made relative below
      k.duration_s = dur_us * 1e-6;
      k.grid = dims_at(args, "grid", source, path);
      k.block = dims_at(args, "block", source, path);
      if (args.contains("correlation"))
        k.correlation = static_cast<long long>(number_at(args, "correlation", source, path + ".args"));
      trace.kernels.push_back(std::move(k));
    } else if (launch) {
      if (args.contains("correlation")) {
        const auto id = static_cast<long long>(number_at(args, "correlation", source, path + ".args"));
        launches[id] = Launch{process_id(e), thread_id(e), ts_us};
      }
    } else {
      CpuSpan span{string_at(e, "name", source, path), ts_us, ts_us + dur_us, ""};
      if (auto dims = args.find("Input Dims"); dims != args.end()) span.input_dims = dims->dump();
      auto& spans = category == "cpu_op" ? ops_by_thread : annotations_by_thread;
      spans[{process_id(e), thread_id(e)}].push_back(std::move(span));
    }
  }

  // Every annotation, numbered in start order (threads in id order at a tie, for a deterministic numbering).
  std::vector<CpuSpan*> all_annotations;
  for (auto& [thread, spans] : annotations_by_thread)
    for (CpuSpan& s : spans) all_annotations.push_back(&s);
  std::stable_sort(all_annotations.begin(), all_annotations.end(), [](const CpuSpan* a, const CpuSpan* b) {
    return a->start_us != b->start_us ? a->start_us < b->start_us : a->end_us > b->end_us;
  });
  for (CpuSpan* s : all_annotations) {
    s->id = static_cast<int>(trace.annotations.size());
    trace.annotations.push_back({s->name, (s->start_us - earliest_us) * 1e-6, (s->end_us - earliest_us) * 1e-6});
  }

  // Each kernel's launch, then the spans enclosing it on the launching thread.
  std::map<std::pair<long long, long long>, std::vector<std::pair<double, size_t>>> launch_times_by_thread;
  for (size_t i = 0; i < trace.kernels.size(); ++i) {
    GpuKernel& k = trace.kernels[i];
    if (!k.correlation) continue;
    auto it = launches.find(*k.correlation);
    if (it == launches.end()) continue;
    k.launch_found = true;
    k.launch_thread = it->second.tid;
    k.launch_s = it->second.ts_us;
    launch_times_by_thread[{it->second.pid, it->second.tid}].emplace_back(it->second.ts_us, i);
  }
  for (auto& [thread, times] : launch_times_by_thread) {
    std::sort(times.begin(), times.end());
    sweep_enclosing(ops_by_thread[thread], times, [&](size_t i, const std::vector<const CpuSpan*>& stack) {
      for (const CpuSpan* s : stack) trace.kernels[i].cpu_ops.push_back(s->name);
      if (!stack.empty()) trace.kernels[i].input_dims = stack.back()->input_dims;
    });
    sweep_enclosing(annotations_by_thread[thread], times, [&](size_t i, const std::vector<const CpuSpan*>& stack) {
      for (const CpuSpan* s : stack) {
        trace.kernels[i].annotations.push_back(s->name);
        trace.kernels[i].annotation_ids.push_back(s->id);
      }
    });
  }
  // NOTE: a thread with no annotations of its own (autograd's backward thread) borrows those of its process's
  // other threads that enclose the launch: the main thread waits inside its annotation (DualPipe's "attn(B)")
  // while autograd's thread launches that block's kernels.
  for (GpuKernel& k : trace.kernels) {
    if (!k.launch_found || !k.annotations.empty()) continue;
    const double t = k.launch_s;
    std::vector<const CpuSpan*> enclosing;
    for (const auto& [thread, spans] : annotations_by_thread)
      for (const CpuSpan& s : spans)
        if (thread.second != k.launch_thread && s.start_us <= t && t <= s.end_us) enclosing.push_back(&s);
    std::sort(enclosing.begin(), enclosing.end(), [](const CpuSpan* a, const CpuSpan* b) {
      return a->start_us != b->start_us ? a->start_us < b->start_us : a->end_us > b->end_us;
    });
    for (const CpuSpan* s : enclosing) {
      k.annotations.push_back(s->name);
      k.annotation_ids.push_back(s->id);
    }
  }

  for (GpuKernel& k : trace.kernels) {
    k.start_s = (k.start_s - earliest_us) * 1e-6;
    if (k.launch_found) k.launch_s = (k.launch_s - earliest_us) * 1e-6;
  }
  std::stable_sort(trace.kernels.begin(), trace.kernels.end(),
                   [](const GpuKernel& a, const GpuKernel& b) { return a.start_s < b.start_s; });
  return trace;
}

KinetoTrace read_kineto_trace(const std::string& path) { return parse_kineto_trace(read_file(path), path); }

}  // namespace trainsim::hw
