// The links the closed-form communication tests work their hand counts with: an H100's NVLink at 360 GB/s and a
// 50 GB/s NIC a GPU, with per-hop latencies of a few microseconds.
#pragma once
#include "hardware/cluster_spec.h"

namespace trainsim::sim::testing {

inline hw::ClusterSpec h100_links() {
  hw::ClusterSpec c;
  c.nvlink_bandwidth_bytes_per_s = 360e9;
  c.nic_bandwidth_bytes_per_s = 50e9;
  c.nvlink_latency_s = 3.33e-6;
  c.nic_latency_s = 3.7e-6;
  return c;
}

}  // namespace trainsim::sim::testing
