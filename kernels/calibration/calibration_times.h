// CalibrationTimes: the CSV both calibration drivers write (calibration_run on a GPU, calibration_run_cpu on the
// host; kernels/CALIBRATION.md): a '# device:' line, a header, then a row per timed call, flushed at once so that a
// sweep cut off by its step's timeout keeps every call it finished. calibration_io.py reads it.
#pragma once

#include <cstdio>
#include <string>

namespace trainsim::kernels {

class CalibrationTimes {
 public:
  // `runtime`: the CUDA runtime version as cudaRuntimeGetVersion gives it (13000), or "none" on the host.
  CalibrationTimes(const std::string& path, const std::string& device_name, int sm_count, const std::string& runtime);
  ~CalibrationTimes();
  CalibrationTimes(const CalibrationTimes&) = delete;
  CalibrationTimes& operator=(const CalibrationTimes&) = delete;

  // One timed call: the plan id, the median seconds of one call, the SMs (host: threads) it ran on, what ran it, and
  // how many kernel calls of their own that was (a grouped GEMM run as one cuBLASLt call per group: its groups),
  // so that a fit prices each launch (hardware/kernel_results.h).
  void add(const std::string& id, double seconds, int sms, const std::string& kernel, int kernel_calls = 1);

 private:
  std::FILE* out_ = nullptr;
};

}  // namespace trainsim::kernels
