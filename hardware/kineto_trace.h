// KinetoTrace: a PyTorch-profiler (Kineto) Chrome trace read into plain structs: the GPU kernels with the CPU
// ops and user annotations that launched them (linked by the launch's correlation id), and the devices.
// Format: the Chrome trace-event JSON Kineto writes (keys traceEvents, deviceProperties; times in us).
#pragma once
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trainsim::hw {

// One entry of deviceProperties.
struct KinetoDevice {
  int id = 0;
  std::string name;                   // "NVIDIA H800"
  int sm_count = 0;                   // numSms
  int compute_major = 0, compute_minor = 0;
  double memory_bytes = 0;            // totalGlobalMem
  std::optional<double> clock_hz;     // clockRate (kHz in the trace) where recorded; Kineto often leaves it out
};

// One GPU activity: a kernel, or a memcpy/memset (category says which).
struct GpuKernel {
  std::string name;
  std::string category;               // "kernel", "gpu_memcpy", "gpu_memset"
  int device = 0;
  long long stream = 0;
  double start_s = 0;                 // from the trace's earliest event
  double duration_s = 0;
  std::array<int, 3> grid{0, 0, 0};   // 0 where not recorded (memcpy, memset)
  std::array<int, 3> block{0, 0, 0};
  std::optional<long long> correlation;

  // The CPU side, where the launch (cuda_runtime/cuda_driver event of the same correlation) was found.
  bool launch_found = false;
  long long launch_thread = 0;
  double launch_s = 0;
  std::vector<std::string> cpu_ops;      // cpu_op events enclosing the launch on its thread, outermost first
  std::vector<std::string> annotations;  // user annotations enclosing the launch, outermost first
  std::vector<int> annotation_ids;       // the same, as indexes into KinetoTrace::annotations
  std::string input_dims;                // "Input Dims" of the innermost enclosing cpu_op, where recorded
};

// One user annotation (record_function, DualPipe's "attn(F)"): an occurrence, so that the kernels of the
// fourth "attn(F)" can be told from those of the first.
struct TraceAnnotation {
  std::string name;
  double start_s = 0, end_s = 0;  // from the trace's earliest event
};

struct KinetoTrace {
  std::string source;                 // the file it was read from
  std::string trace_name;             // traceName, where present
  std::vector<KinetoDevice> devices;
  std::vector<GpuKernel> kernels;     // in start order
  std::vector<TraceAnnotation> annotations;  // every thread's, in start order (outer first at a tie)
};

// Reads a trace file. Throws ConfigError naming the file and the JSON path of what is malformed
// ("t.json: traceEvents[12].dur: ...").
KinetoTrace read_kineto_trace(const std::string& path);
// The same from text; `source` names it in errors.
KinetoTrace parse_kineto_trace(std::string_view json_text, const std::string& source);

}  // namespace trainsim::hw
