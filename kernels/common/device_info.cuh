// What GPU a measurement ran on: name, SMs, clocks, driver and runtime versions, for every report.
#pragma once
#include <string>

namespace trainsim::kernels {

struct DeviceInfo {
  std::string name;
  int sm_count = 0;
  int compute_capability = 0;  // e.g. 90
  int driver_version = 0;
  int runtime_version = 0;
  double memory_bytes = 0;
};

DeviceInfo query_device(int device = 0);
std::string describe(const DeviceInfo& info);  // one line for logs and reports

}  // namespace trainsim::kernels
