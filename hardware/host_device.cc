// The host as a device (see host_device.h).
#include "hardware/host_device.h"

#include <unistd.h>

#include <fstream>

#include "core/available_cores.h"
#include "kernels/common/host_cpu.h"

namespace trainsim::hw {
namespace {

// cpufreq's maximum clock of CPU 0, in kHz in the file; 0 where the kernel exposes none (many VMs).
double max_clock_hz() {
  std::ifstream in("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq");
  double khz = 0;
  if (in >> khz && khz > 0) return khz * 1e3;
  return 0;
}

double physical_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page > 0 ? static_cast<double>(pages) * static_cast<double>(page) : 0;
}

}  // namespace

GpuSpec host_device() {
  GpuSpec host;
  host.key = kHostGpuKey;
  host.name = kernels::host_cpu_name();
  host.source = "this machine: /proc/cpuinfo, cpufreq and sysconf; a CPU has no datasheet roofline here";
  host.sm_count = available_cores();
  host.boost_clock_hz = max_clock_hz();
  host.hbm_capacity_bytes = physical_memory_bytes();
  return host;
}

}  // namespace trainsim::hw
