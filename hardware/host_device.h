// The host: this machine's CPU as a device the simulator can price, for issue 19's loop on the CPU (the reduced
// DeepSeek-V3's CPU back-end trains on it; `trainsim validate` predicts that run). A scenario names it
// `cluster.gpu: host`. A CPU has no datasheet the roofline could read, so every figure here is either what the
// machine reports of itself or zero (unknown), and its ops are priced only by points measured on it
// (Calibration::law kPoints): an op without one is an error, not a guess.
#pragma once
#include "hardware/gpu_spec.h"

namespace trainsim::hw {

inline constexpr const char* kHostGpuKey = "host";

// The host as a GpuSpec: key "host"; name /proc/cpuinfo's model name; sm_count the hardware threads (the CPU
// back-end runs every kernel on all of them, kernels/common/parallel_for.cc); boost_clock_hz cpufreq's
// cpuinfo_max_freq, 0 where the kernel does not expose it; hbm_capacity_bytes the physical memory; every peak,
// bandwidth, power and price 0: unknown, and nothing may be priced by them.
GpuSpec host_device();

}  // namespace trainsim::hw
