// The host's CPU as /proc/cpuinfo names it: the device line of the host harness's CSV
// (kernels/calibration/calibration_run_cpu.cc) and the host as a simulator device (hardware/host_device.h), one
// rule for both. Header-only so that the simulator's libraries read it without linking the kernels.
#pragma once
#include <algorithm>
#include <fstream>
#include <string>

namespace trainsim::kernels {

// "unknown CPU" where /proc/cpuinfo has no model name (not Linux, or an architecture that names it otherwise).
// Semicolons, which separate the CSV's device facts, become spaces.
inline std::string host_cpu_name() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line))
    if (line.rfind("model name", 0) == 0 && line.find(':') != std::string::npos) {
      std::string name = line.substr(line.find(':') + 1);
      name.erase(0, name.find_first_not_of(' '));
      std::replace(name.begin(), name.end(), ';', ' ');
      if (!name.empty()) return name;
    }
  return "unknown CPU";
}

}  // namespace trainsim::kernels
