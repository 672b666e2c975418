// KernelResults: what kernels/gpu-run.sh measured for a calibration plan (calibration_sweep.h), read from the
// RESULTS.json it writes (kernels/CALIBRATION.md), and the calibration of single points it makes
// (`trainsim calibrate --from-kernels RESULTS.json --scenario S -o FILE`, source.kind kernels).
#pragma once
#include <span>
#include <string>
#include <vector>

#include "core/error.h"
#include "hardware/calibration.h"
#include "hardware/calibration_sweep.h"
#include "hardware/gpu_spec.h"

namespace trainsim::hw {

// The device as the harness found it (cudaGetDeviceProperties, cudaDriverGetVersion, nvcc).
struct KernelResultsDevice {
  std::string name;  // "NVIDIA H800"
  int sm_count = 0;
  double boost_clock_hz = 0;
  std::string driver;  // "550.54.15"
  std::string cuda;    // "13.0"
  SourceLocation sm_count_at, boost_clock_at;
};

// One timed call: the plan's call it measured, and the median of its timed repetitions.
struct MeasuredCall {
  KernelCall call;
  double seconds = 0;
  int sms = 0;  // SMs the kernel ran on (the plan's, unless the harness could not restrict it)
  std::string kernel;  // the kernel that ran it ("sm90_fp8_gemm wgmma", "cuBLASLt FP8 block-scaled"); empty: not given
  // The kernel calls of their own it made: 1, or a grouped GEMM's groups where one GEMM call ran per group (cuBLASLt
  // BF16 for the reduced model, the cuBLASLt FP8 peer): its point is then a group point of one dense GEMM a group,
  // so that a fit prices each launch as the catalog prices an expert's call (models::per_group_calls).
  int kernel_calls = 1;
  SourceLocation at;  // "calls[3]" in the results file
};

struct KernelResults {
  std::string file;
  KernelResultsDevice device;
  std::string date;  // YYYY-MM-DD: when measured
  std::vector<MeasuredCall> calls;
};

// Reads the results. Each call names its plan entry by `id`, or gives `op`, `dtype`, `pass` (default F) and
// `shape` equal to a plan entry's; with `seconds` above zero and `sms` from 1 to the device's count; `kernel_calls`
// (optional, default 1) above 1 only on a grouped GEMM, equal to its groups. Throws ConfigError at the file and JSON
// path ("calls[3].seconds") for anything malformed or not in `plan`.
KernelResults parse_kernel_results(const std::string& text, const std::string& file, std::span<const KernelCall> plan);
KernelResults read_kernel_results(const std::string& path, std::span<const KernelCall> plan);

// The calibration file of the results: one point per call (a single point; a group point of its groups' dense GEMMs
// where the call made a kernel call per group), source.kind kernels, no fits (the caller
// fits them: calibrated_constants.h). `gpu`: the scenario's; the device must be a catalog GPU with the same SM
// count and boost clock (within 0.1%, as a scenario's calibration must), or ConfigError at device.*.
// `scenario`: the plan's scenario, as named on the command line, for the source's description.
Calibration calibration_from_kernel_results(const KernelResults& results, const GpuSpec& gpu,
                                            const std::string& scenario);

}  // namespace trainsim::hw
