// Which calibration prices a cluster's ops: the file a scenario names, or else the shipped file for its GPU
// type (hardware/calibration/*.yaml, compiled in). A file applies only to a GPU with its SM count and clock.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "hardware/calibration.h"
#include "hardware/gpu_spec.h"

namespace trainsim::hw {

// The catalog keys whose compute is the same as `gpu_key`'s (same SMs and clocks), so that one's compute
// calibration serves the other: h800 <-> h100. Empty for a GPU with no twin.
std::vector<std::string> compute_twins(const std::string& gpu_key);

// The shipped calibrations, parsed and validated once; Calibration::file is "hardware/calibration/<name>".
const std::vector<std::shared_ptr<const Calibration>>& shipped_calibrations();

// The shipped calibration for `gpu`: one measured on the same GPU type first, then one measured on a compute
// twin, and only one whose SM count and clock match `gpu`'s; for one GPU type, a trace first, then the
// project's kernels, then a published table. Null when none does: the datasheet roofline
// prices the ops.
std::shared_ptr<const Calibration> shipped_calibration_for(const GpuSpec& gpu);

// True when `calibration` was measured on a GPU with `gpu`'s SM count and boost clock.
bool calibration_fits(const Calibration& calibration, const GpuSpec& gpu);
// Throws ConfigError at `where` (the scenario key that named the file) when it does not fit, naming the
// calibration file's line that disagrees.
void check_calibration_fits(const Calibration& calibration, const GpuSpec& gpu, const SourceLocation& where);

}  // namespace trainsim::hw
